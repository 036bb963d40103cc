package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl.TensorProto;
import io.verity.engine.det.tensor.Convert;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/**
 * Guards the speed work on the kernels: restructured loops must leave every output bit as it was. Pins, on
 * one thread, (a) the shipped models at test size and at benchmark size (det 640x640, the size whose conv
 * bands and tiles differ from the test size), output digest and trace root (which commits to every
 * intermediate tensor, so one changed bit anywhere shows), and (b) the output bytes of every
 * libonnx-testdata backend test the engine runs, whether or not it is within the suite's tolerance.
 * Recorded before the kernels were restructured (src/test/resources/golden/det/README.md).
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class GoldenOutputDigestsTest {
    @Test
    void shipped_models_at_test_and_benchmark_size_reproduce_the_recorded_bits() throws Exception {
        assertThat(modelDigests(1, 1)).isEqualTo(resource("/golden/det/real-model-digests.txt"));
        assertThat(modelDigests(1, 2)).isEqualTo(resource("/golden/det/real-model-digests-640.txt"));
    }

    /** verity-det/3's bits (recorded 2026-12-07 when the contract was introduced): a kernel change may not move them. */
    @Test
    void verity_det_3_reproduces_its_recorded_bits() throws Exception {
        assertThat(DigestMain.digests(DeterministicEngine.ID_V3, 1, 1, name -> true)).isEqualTo(resource("/golden/det/real-model-digests-v3.txt"));
    }

    @Test
    void every_backend_suite_test_reproduces_its_recorded_output_bytes() throws Exception {
        assumeTrue(Files.isDirectory(BackendSuite.ROOT), "libonnx-testdata is not installed (./verity test installs it)");
        List<String> want = resource("/golden/det/backend-suite-digests.txt").lines().toList();
        List<String> got = backendDigests(1).lines().toList();
        assertThat(want).hasSizeGreaterThanOrEqualTo(900);
        assertThat(got).containsExactlyElementsOf(want);
    }

    static String resource(String name) throws Exception {
        try (InputStream in = GoldenOutputDigestsTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** {@code name|keccak256(output bytes)|traceRoot} per shipped model, inputs of {@code RealModels.all(scale)}. */
    static String modelDigests(int threads, int scale) throws Exception {
        return DigestMain.digests(threads, scale, name -> true);
    }

    /**
     * {@code test|keccak256(all output bytes of all data sets)} for every backend test the engine runs to the
     * end (tests it rejects are left out: they have no bits to pin).
     */
    static String backendDigests(int threads) throws Exception {
        StringBuilder sb = new StringBuilder();
        try (DeterministicEngine e = DeterministicEngine.create(threads, false)) {
            for (Path dir : BackendSuite.tests()) {
                String family = dir.getParent().getFileName().toString();
                String name = (family.equals("node") ? "" : family + "/") + dir.getFileName();
                byte[] model = Files.readAllBytes(dir.resolve("model.onnx"));
                try {
                    DeterministicModel m = e.load(Keccak256.hash(model), dir.resolve("model.onnx"));
                    List<Path> sets;
                    try (Stream<Path> s = Files.list(dir)) {
                        sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
                    }
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    for (Path set : sets) {
                        List<Tensor> inputs = new ArrayList<>();
                        for (int k = 0; Files.exists(set.resolve("input_" + k + ".pb")); k++) {
                            TensorProto tp = TensorProto.parseFrom(Files.readAllBytes(set.resolve("input_" + k + ".pb")));
                            String in = k < m.schema().inputs().size() ? m.schema().inputs().get(k).name() : tp.getName();
                            inputs.add(Convert.toTensor(in, Convert.fromProto(tp)));
                        }
                        for (Tensor t : m.run(inputs).outputs()) bytes.write(t.dataBytes());
                    }
                    sb.append(name).append('|').append(Keccak256.hash(bytes.toByteArray())).append('\n');
                } catch (Exception | StackOverflowError x) {
                    // not run by the engine (unsupported op, type or attribute): nothing to pin
                } finally {
                    e.unload(Keccak256.hash(model));
                }
            }
        }
        return sb.toString();
    }

    /** Re-records the files (only for a new engine id): args = output directory. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Files.writeString(dir.resolve("real-model-digests-640.txt"), modelDigests(1, 2));
        Files.writeString(dir.resolve("backend-suite-digests.txt"), backendDigests(1));
        System.out.print(modelDigests(1, 1));
    }
}
