package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The off-chain half of a dispute, on PaddleOCR det (672 nodes): a dishonest node computes with one Conv
 * weight (a Constant node's value) nudged by 2^-10. Bisection over the two traces, using only digests the
 * challenged node reveals with proofs against its trace root, narrows the disagreement to one node whose
 * inputs both sides agree on (continuing below a disputed input when the DAG requires it), and a referee
 * re-executing that single node sides with the honest trace.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class BisectionDisputeIT {
    @TempDir
    Path dir;

    @Test
    void bisection_pins_a_tampered_conv_weight_and_the_referee_convicts_the_dishonest_trace() throws Exception {
        Path file = RealModels.ocr("ch_PP-OCRv4_det_infer.onnx");
        byte[] bytes = Files.readAllBytes(file);
        ModelProto honestProto = ModelProto.parseFrom(bytes);
        // Nudge the first element of a Conv weight about halfway through the graph.
        var g = honestProto.getGraph();
        String target = null;
        for (int i = g.getNodeCount() / 2; i < g.getNodeCount() && target == null; i++) {
            if (g.getNode(i).getOpType().equals("Conv")) target = g.getNode(i).getInput(1);
        }
        ModelProto.Builder tampered = honestProto.toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals(target)) tampered.getGraphBuilder().setInitializer(i, nudge(g.getInitializer(i)));
        }
        for (int i = 0; i < g.getNodeCount(); i++) { // Paddle2ONNX stores weights as Constant nodes
            var node = g.getNode(i);
            if (!node.getOpType().equals("Constant") || !node.getOutput(0).equals(target)) continue;
            var nb = node.toBuilder();
            for (int a = 0; a < nb.getAttributeCount(); a++) {
                if (nb.getAttribute(a).hasT()) nb.setAttribute(a, nb.getAttribute(a).toBuilder().setT(nudge(nb.getAttribute(a).getT())));
            }
            tampered.getGraphBuilder().setNode(i, nb);
        }
        Path evil = Files.write(dir.resolve("det-tampered.onnx"), tampered.build().toByteArray());

        try (DeterministicEngine engine = DeterministicEngine.create(2, true)) {
            DeterministicModel honest = engine.load(Keccak256.hash(bytes), file);
            DeterministicModel dishonest = engine.load(Keccak256.hash(Files.readAllBytes(evil)), evil);
            List<Tensor> in = RealModels.bind(honest, List.of(RealModels.image("x", 9, 64, 64)));
            ExecutionTrace good = honest.trace(in), bad = dishonest.trace(in);
            assertThat(bad.root()).isNotEqualTo(good.root());
            int n = good.size();
            assertThat(bad.size()).isEqualTo(n);

            // Invariant: both sides agree at lo (the inputs, fixed by the receipt), disagree at hi (the output).
            // The trace is a DAG in topological order, so when bisection stops at hi, the node producing hi may
            // read an earlier entry the two sides also disagree on; then the game continues below that entry.
            java.util.Map<Integer, Boolean> revealed = new java.util.HashMap<>();
            int lo = 0, hi = n - 1, rounds = 0;
            while (true) {
                while (hi - lo > 1) {
                    int mid = (lo + hi) >>> 1;
                    rounds++;
                    boolean agree = reveal(good, bad, mid, revealed);
                    if (agree) lo = mid;
                    else hi = mid;
                }
                int node = good.entries().get(hi).node();
                int next = -1;
                rounds++; // one round: the node reveals the digests of all of this node's inputs at once
                for (String name : honest.nodeInputs(node)) {
                    int idx = indexOf(good, name);
                    if (!reveal(good, bad, idx, revealed) && (next < 0 || idx < next)) next = idx;
                }
                if (next < 0) break; // every input agreed: the dispute is about this one node
                hi = next;
                lo = 0;
                for (var e : revealed.entrySet()) if (e.getValue() && e.getKey() < hi) lo = Math.max(lo, e.getKey());
            }
            TraceEntry disputed = good.entries().get(hi);
            assertThat(disputed.node()).isGreaterThanOrEqualTo(0);
            assertThat(disputed.name()).as("the tampered weight").isEqualTo(target);
            assertThat(honest.nodeOp(disputed.node())).isEqualTo("Constant");
            assertThat(rounds).isLessThanOrEqualTo(2 * (32 - Integer.numberOfLeadingZeros(n - 1)) + 2);

            // The referee gets the node's inputs from the challenged node, checks them against the agreed digests,
            // re-executes the one node with the model everyone agreed on, and compares.
            List<Tensor> served = new ArrayList<>();
            for (String name : honest.nodeInputs(disputed.node())) {
                int idx = indexOf(bad, name);
                assertThat(idx).isLessThan(hi);
                Tensor t = dishonest.intermediate(in, idx);
                assertThat(ExecutionTrace.tensorDigest(t)).isEqualTo(good.entries().get(idx).digest());
                served.add(t);
            }
            assertThat(served).isEmpty(); // a Constant reads nothing: the referee needs only the model
            Tensor recomputed = honest.executeNode(disputed.node(), served).get(0);
            Keccak256 referee = ExecutionTrace.tensorDigest(recomputed);
            assertThat(referee).isEqualTo(good.entries().get(hi).digest());
            assertThat(referee).isNotEqualTo(bad.entries().get(hi).digest());
            System.out.printf("bisection over %d trace entries (%d nodes): %d rounds (%d digests revealed), disputed node %d (%s)%n",
                    n, honest.nodeCount(), rounds, revealed.size(), disputed.node(), honest.nodeOp(disputed.node()));
        }
    }

    static TensorProto nudge(TensorProto t) {
        if (t.getRawData().isEmpty()) return t.toBuilder().setFloatData(0, t.getFloatData(0) + 0x1p-10f).build();
        ByteBuffer raw = ByteBuffer.wrap(t.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        raw.putFloat(0, raw.getFloat(0) + 0x1p-10f);
        return t.toBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(raw.array())).build();
    }

    /** The challenged node reveals entry i with a proof against its root; true when the challenger agrees. */
    static boolean reveal(ExecutionTrace good, ExecutionTrace bad, int i, java.util.Map<Integer, Boolean> revealed) {
        return revealed.computeIfAbsent(i, k -> {
            TraceProof p = bad.proof(k);
            assertThat(p.verifies(bad.root())).isTrue();
            return p.digest().equals(good.entries().get(k).digest());
        });
    }

    static int indexOf(ExecutionTrace t, String name) {
        for (TraceEntry e : t.entries()) if (e.name().equals(name)) return e.index();
        throw new AssertionError("no trace entry named " + name);
    }
}
