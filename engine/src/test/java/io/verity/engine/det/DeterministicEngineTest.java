package io.verity.engine.det;

import static io.verity.engine.EngineAssertions.assertFailsAs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.engine.EngineException;
import io.verity.engine.Inference;
import io.verity.engine.det.tensor.Arr;
import io.verity.engine.det.tensor.Canonical;
import io.verity.protocol.Keccak256;
import io.verity.protocol.merkle.TraceProof;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayNameGeneration(ReplaceUnderscores.class)
class DeterministicEngineTest {
    @TempDir
    Path dir;

    static final List<Tensor> X = List.of(Tensor.ofFloats("x", Shape.of(1, 3), 1, 2, 3));
    final DeterministicEngine engine = DeterministicEngine.create(2, true);

    @AfterEach
    void close() {
        engine.close();
    }

    /** x[1,3] -> Gemm(W[3,2], b[2]) -> Relu -> y. */
    OnnxBuilder.Written gemmRelu() throws Exception {
        OnnxBuilder b = new OnnxBuilder().input("x", 1, 1, 3).output("y", 1)
                .floats("W", new long[] {3, 2}, 1, -1, 2, 0.5f, -3, 1)
                .floats("b", new long[] {2}, 0.25f, -0.5f);
        b.add(b.node("Gemm", new String[] {"x", "W", "b"}, new String[] {"h"}));
        b.add(b.node("Relu", new String[] {"h"}, new String[] {"y"}));
        return b.write(dir);
    }

    /** The engine's model of {@link #gemmRelu}, whose input {@link #X} gives h = [-3.75, 2.5]. */
    DeterministicModel loadGemmRelu() throws Exception {
        var w = gemmRelu();
        return engine.load(w.digest(), w.file());
    }

    @Test
    void has_the_id_that_goes_into_receipts() {
        assertThat(engine.id()).isEqualTo("verity-det/2");
    }

    @Test
    void runs_gemm_and_relu_to_the_values_worked_by_hand() throws Exception {
        DeterministicModel m = loadGemmRelu();
        Inference out = m.run(X);
        // h = [1 + 4 - 9 + 0.25, -1 + 1 + 3 - 0.5] = [-3.75, 2.5]
        assertThat(out.outputs().get(0).floats()).containsExactly(0f, 2.5f);
        assertThat(out.outputs().get(0).name()).isEqualTo("y");
        assertThat(out.traceRoot().isZero()).isFalse();
    }

    @Test
    void reports_the_declared_schema() throws Exception {
        DeterministicModel m = loadGemmRelu();
        assertThat(m.schema().inputs()).hasSize(1);
        assertThat(m.schema().inputs().get(0).name()).isEqualTo("x");
        assertThat(m.schema().outputs().get(0).name()).isEqualTo("y");
    }

    @Test
    void returns_the_already_loaded_model_for_the_same_digest() throws Exception {
        var w = gemmRelu();
        assertThat(engine.load(w.digest(), w.file())).isSameAs(engine.load(w.digest(), w.file()));
    }

    @Test
    void rejects_a_file_that_is_not_onnx_as_an_invalid_model() throws Exception {
        Path f = dir.resolve("junk.onnx");
        Files.write(f, new byte[] {(byte) 0xff, 0x01, 0x02, 0x03});
        assertFailsAs(EngineException.Kind.INVALID_MODEL, () -> engine.load(Keccak256.hash(new byte[] {1}), f))
                .hasMessageContaining("junk.onnx is not an ONNX model");
    }

    @Test
    void rejects_a_model_with_unsupported_operators_and_names_them() throws Exception {
        OnnxBuilder b = new OnnxBuilder().input("x", 1, 2).output("y", 1);
        b.add(b.node("StringNormalizer", new String[] {"x"}, new String[] {"t"}));
        b.add(b.node("TfIdfVectorizer", new String[] {"t"}, new String[] {"y"}));
        assertLoadRefused(b).hasMessageEndingWith("uses operators that verity-det/2 does not support: [StringNormalizer, TfIdfVectorizer]");
    }

    @Test
    void rejects_a_model_whose_inputs_have_a_type_it_does_not_carry() throws Exception {
        OnnxBuilder b = new OnnxBuilder().input("x", 16, 2).output("y", 16);
        b.add(b.node("Relu", new String[] {"x"}, new String[] {"y"}));
        assertLoadRefused(b).hasMessageEndingWith("input 'x' has ONNX data type 16 (unknown), expected one of float32, float64, float16, int64, int32, int8, uint8, bool");
    }

    /** Writes the model b builds and asserts that loading it fails as INVALID_MODEL. */
    private AbstractThrowableAssert<?, ? extends Throwable> assertLoadRefused(OnnxBuilder b) throws Exception {
        var w = b.write(dir);
        return assertFailsAs(EngineException.Kind.INVALID_MODEL, () -> engine.load(w.digest(), w.file()));
    }

    @Test
    void rejects_a_missing_input_naming_the_expected_ones() throws Exception {
        DeterministicModel m = loadGemmRelu();
        assertFailsAs(EngineException.Kind.INVALID_INPUT, () -> m.run(List.of(Tensor.ofFloats("z", Shape.of(1, 3), 1, 2, 3))))
                .hasMessage("input 'x' is missing, expected float32[1, 3]");
    }

    @Test
    void rejects_inputs_that_contradict_the_declared_schema_naming_field_expected_and_actual() throws Exception {
        DeterministicModel m = loadGemmRelu();
        assertFailsAs(EngineException.Kind.INVALID_INPUT, () -> m.run(List.of(Tensor.ofFloats("x", Shape.of(1, 2), 1, 2))))
                .hasMessage("input 'x' dim 1 must be 3 float32[1, 3], got shape [1, 2]");
        assertThatThrownBy(() -> m.run(List.of(Tensor.ofLongs("x", Shape.of(1, 3), 1, 2, 3))))
                .hasMessage("input 'x' must be float32, got int64");
        assertThatThrownBy(() -> m.run(List.of(Tensor.ofFloats("x", Shape.of(3), 1, 2, 3))))
                .hasMessage("input 'x' must have rank 2 float32[1, 3], got shape [3]");
    }

    @Test
    void rejects_inputs_an_operator_cannot_take_naming_the_node() throws Exception {
        OnnxBuilder b = new OnnxBuilder().output("y", 1).floats("W", new long[] {3, 2}, 1, -1, 2, 0.5f, -3, 1);
        b.g.addInput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName("x").setType(ai.onnx.proto.OnnxMl.TypeProto.newBuilder()
                .setTensorType(ai.onnx.proto.OnnxMl.TypeProto.Tensor.newBuilder().setElemType(1))));
        b.add(b.node("MatMul", new String[] {"x", "W"}, new String[] {"y"}));
        var w = b.write(dir);
        DeterministicModel m = engine.load(w.digest(), w.file());
        assertFailsAs(EngineException.Kind.INVALID_INPUT, () -> m.run(List.of(Tensor.ofFloats("x", Shape.of(1, 2), 1, 2))))
                .hasMessage("verity-det/2 rejected the inputs: MatMul 'MatMul_0': inner dimensions differ: [1, 2] x [3, 2]");
    }

    @Test
    void proves_every_trace_entry_against_the_root_and_rejects_a_forged_digest() throws Exception {
        DeterministicModel m = loadGemmRelu();
        ExecutionTrace t = m.trace(X);
        assertThat(t.entries()).extracting(TraceEntry::name).containsExactly("x", "h", "y", "verity:outputs");
        assertThat(t.entries()).extracting(TraceEntry::node).containsExactly(-1, 0, 1, TraceEntry.OUTPUTS_NODE);
        for (int i = 0; i < t.size(); i++) assertThat(t.proof(i).verifies(t.root())).isTrue();
        TraceProof p = t.proof(1);
        assertThat(p.chain()).isEqualTo(t.chain(1));
        TraceProof forged = new TraceProof(1, p.leafCount(), p.previous(), Keccak256.hash(new byte[] {42}), p.siblings());
        assertThat(forged.verifies(t.root())).isFalse();
        TraceProof forgedPrefix = new TraceProof(1, p.leafCount(), Keccak256.hash(new byte[] {7}), p.digest(), p.siblings());
        assertThat(forgedPrefix.verifies(t.root())).isFalse();
        TraceProof moved = new TraceProof(2, p.leafCount(), p.previous(), p.digest(), p.siblings());
        assertThat(moved.verifies(t.root())).isFalse();
    }

    @Test
    void re_executes_a_single_node_to_the_digest_in_the_trace() throws Exception {
        DeterministicModel m = loadGemmRelu();
        ExecutionTrace t = m.trace(X);
        Tensor h = m.intermediate(X, 1);
        assertThat(h.floats()).containsExactly(-3.75f, 2.5f);
        assertThat(m.intermediates(X, java.util.Set.of(0, 2))).containsOnlyKeys(0, 2);
        assertThatThrownBy(() -> m.intermediate(X, 3)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("trace index must be in [0, 2], got 3");
        assertThat(m.nodeInputs(1)).containsExactly("h");
        List<Tensor> y = m.executeNode(1, List.of(h));
        assertThat(ExecutionTrace.tensorDigest(y.get(0))).isEqualTo(t.entries().get(2).digest());
        assertThat(ExecutionTrace.tensorDigest(h)).isEqualTo(t.entries().get(1).digest());
    }

    @Test
    void the_last_entry_is_the_outputs_digest_a_receipt_signs_and_a_referee_recomputes_it() throws Exception {
        DeterministicModel m = loadGemmRelu();
        ExecutionTrace t = m.trace(X);
        TraceEntry last = t.entries().getLast();
        assertThat(last.isOutputs()).isTrue();
        assertThat(last.digest()).isEqualTo(io.verity.protocol.tensor.TensorDigests.tensorsDigest(t.outputs()))
                .isNotEqualTo(t.entries().get(2).digest());
        assertThat(m.outputsEntryInputs()).containsExactly("y");
        assertThat(m.outputsEntryDigest(t.outputs())).isEqualTo(last.digest());
        Tensor wrong = Tensor.ofFloats("y", Shape.of(1, 2), 0, 0);
        assertThat(m.outputsEntryDigest(List.of(wrong))).isNotEqualTo(last.digest());
        assertThatThrownBy(() -> m.outputsEntryDigest(List.of())).isInstanceOf(EngineException.class)
                .hasMessage("the outputs entry reads [y], got []");
        assertThatThrownBy(() -> m.outputsEntryDigest(List.of(X.get(0)))).isInstanceOf(EngineException.class)
                .hasMessage("the outputs entry reads each of [y] once, got 'x'");
    }

    @Test
    void refuses_to_re_execute_a_node_without_its_inputs() throws Exception {
        DeterministicModel m = loadGemmRelu();
        assertThatThrownBy(() -> m.executeNode(1, List.of()))
                .isInstanceOf(EngineException.class)
                .hasMessage("node 1 (Relu) needs input 'h', which was not given");
    }

    @Test
    void refuses_a_pool_without_threads() {
        assertThatThrownBy(() -> DeterministicEngine.create(0, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("threads must be >= 1, got 0");
    }

    @Test
    void refuses_a_proof_outside_the_trace_and_a_malformed_proof() throws Exception {
        ExecutionTrace t = loadGemmRelu().trace(X);
        assertThatThrownBy(() -> t.proof(4)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("trace index must be in [0, 3], got 4");
        assertThatThrownBy(() -> new TraceProof(0, 3, Keccak256.ZERO, Keccak256.ZERO, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("siblings must have 2 entries for 3 leaves, got 0");
    }

    @Test
    void digests_tensors_with_the_canonical_encoding_of_the_protocol() {
        // u32 1 ‖ "a" ‖ u8 1 ‖ u32 1 ‖ u64 2 ‖ u64 8 ‖ 1.0f LE ‖ 2.0f LE, per docs/protocol.md
        byte[] enc = Hexes.decode("00000001" + "61" + "01" + "00000001" + "0000000000000002" + "0000000000000008"
                + "0000803f" + "00000040");
        assertThat(Canonical.tensorDigest("a", Arr.floats(new int[] {2}, new float[] {1, 2}))).isEqualTo(Keccak256.hash(enc));
    }

    static final class Hexes {
        static byte[] decode(String h) {
            return io.verity.protocol.Hex.decode(h);
        }
    }
}
