package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.verity.protocol.Keccak256;
import io.verity.protocol.merkle.TraceProof;
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
 * weight (a Constant node's value) nudged by 2^-10. One bisection over the two traces' chain values (each
 * revealed with a proof against the challenged node's trace root) narrows the disagreement to one node whose
 * inputs both sides agree on, in at most ceil(log2 entries) rounds, and a referee re-executing that single
 * node sides with the honest trace.
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

            // Invariant: both sides agree on chain(lo) and disagree on chain(hi). Chain values commit to every
            // earlier digest, so when hi = lo + 1 all of entry hi's inputs (earlier entries) are agreed.
            // Entry 0.. are the graph inputs, fixed by the receipt's inputsDigest, so lo starts at the last input.
            int lo = in.size() - 1, hi = n - 1, rounds = 0;
            assertThat(bad.chain(lo)).isEqualTo(good.chain(lo));
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                rounds++;
                TraceProof revealed = bad.proof(mid); // the challenged node reveals chain(mid), with a proof
                assertThat(revealed.verifies(bad.root())).isTrue();
                if (revealed.chain().equals(good.chain(mid))) lo = mid; // the challenger compares
                else hi = mid;
            }
            int ceilLog2 = 32 - Integer.numberOfLeadingZeros(n - 1);
            assertThat(rounds).isLessThanOrEqualTo(ceilLog2);
            TraceEntry disputed = good.entries().get(hi);
            assertThat(disputed.node()).isGreaterThanOrEqualTo(0);
            assertThat(disputed.name()).as("the tampered weight").isEqualTo(target);
            assertThat(honest.nodeOp(disputed.node())).isEqualTo("Constant");

            // The referee gets the node's inputs from the challenged node, checks each against that node's own
            // committed digests (proofs at those indices), re-executes the one node with the agreed model, and compares.
            List<Tensor> served = new ArrayList<>();
            for (String name : honest.nodeInputs(disputed.node())) {
                int idx = indexOf(bad, name);
                assertThat(idx).isLessThan(hi);
                Tensor t = dishonest.intermediate(in, idx);
                TraceProof p = bad.proof(idx);
                assertThat(p.verifies(bad.root())).isTrue();
                assertThat(ExecutionTrace.tensorDigest(t)).isEqualTo(p.digest());
                served.add(t);
            }
            assertThat(served).isEmpty(); // a Constant reads nothing: the referee needs only the model
            Tensor recomputed = honest.executeNode(disputed.node(), served).get(0);
            Keccak256 referee = ExecutionTrace.tensorDigest(recomputed);
            assertThat(referee).isEqualTo(good.entries().get(hi).digest());
            assertThat(referee).isNotEqualTo(bad.entries().get(hi).digest());
            System.out.printf("bisection over %d trace entries (%d nodes): %d rounds, disputed node %d (%s)%n",
                    n, honest.nodeCount(), rounds, disputed.node(), honest.nodeOp(disputed.node()));
        }
    }

    static TensorProto nudge(TensorProto t) {
        if (t.getRawData().isEmpty()) return t.toBuilder().setFloatData(0, t.getFloatData(0) + 0x1p-10f).build();
        ByteBuffer raw = ByteBuffer.wrap(t.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        raw.putFloat(0, raw.getFloat(0) + 0x1p-10f);
        return t.toBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(raw.array())).build();
    }

    static int indexOf(ExecutionTrace t, String name) {
        for (TraceEntry e : t.entries()) if (e.name().equals(name)) return e.index();
        throw new AssertionError("no trace entry named " + name);
    }
}
