package io.verity.engine.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.engine.EngineException;
import io.verity.engine.LoadedModel;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Tensor;
import io.verity.testing.OnnxBackendTestData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden vectors from outside the project: every case of the ONNX backend test data (Debian
 * {@code libonnx-testdata}, ONNX 1.12) that uses only Verity dtypes, run through {@link OnnxRuntimeEngine}
 * and compared with the ONNX reference outputs (floats with the ONNX backend's tolerance rtol 1e-3,
 * atol 1e-7; everything else exactly). This checks tensor conversion for every dtype against values computed
 * by another implementation, and the error mapping against models ORT cannot load.
 *
 * <p>Cases that cannot pass are listed with the reason and reported as aborted, never as passed.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class OnnxBackendDataIT {
    private static final List<String> SUITES = List.of("node", "simple", "pytorch-converted", "pytorch-operator");
    private static final double RTOL = 1e-3;
    private static final double ATOL = 1e-7;

    /** Cases whose reference output ORT does not reproduce, by design or by a known difference. */
    private static final Map<Pattern, String> IGNORED = patterns(
            "node/test_bernoulli.*", "random sampling: outputs depend on the RNG, not comparable",
            "node/test_training_dropout.*", "random dropout mask: outputs depend on the RNG, not comparable",
            "node/test_cast(like)?_FLOAT_to_STRING(_expanded)?",
                    "ORT prints 9 significant digits (0.60484552), numpy the shortest repr (0.6048455)",
            "node/test_(dft|stft).*", "ORT's FFT leaves up to 1.2e-4 where numpy gives exact 0 (atol 1e-7)",
            "node/test_resize_downsample_scales_(cubic|linear)_align_corners",
                    "ONNX 1.12 reference and ORT 1.29 disagree on align_corners downsampling",
            "node/test_maxunpool_export_with_output_shape", "ORT 1.29 scatters differently from the reference",
            "(node|simple)/test_strnorm.*", "ORT's StringNormalizer needs the en_US.UTF-8 locale on the host");

    /** Cases ORT refuses to load; the engine must report them as INVALID_MODEL. */
    private static final Map<Pattern, String> UNLOADABLE = patterns(
            "node/test_(adagrad|adam|momentum|nesterov_momentum).*", "ai.onnx.preview.training ops are not in ORT",
            "simple/test_gradient_of_.*", "ai.onnx.preview.training Gradient is not in ORT",
            "node/test_(gru|lstm|simple_rnn)_batchwise", "ORT's CPU RNNs do not implement layout=1",
            "pytorch-converted/test_(AvgPool.*|BatchNorm.*|GLU.*|Linear|PReLU.*|PoissonNLLLLoss.*|Softsign)",
                    "opset 6-era operators (e.g. BatchNormalization-6, PRelu-6) that ORT no longer implements",
            "pytorch-operator/test_operator_(add_.*|addconstant|addmm|basic|mm|non_float_params|params|pow)",
                    "opset 6-era broadcast attributes that ORT no longer implements");

    @AutoClose
    private static final OnnxRuntimeEngine engine = OnnxRuntimeEngine.create();

    @TestFactory
    Stream<DynamicTest> every_backend_case_with_verity_dtypes_matches_the_onnx_reference() {
        return caseNames().stream().map(name -> DynamicTest.dynamicTest(name, () -> check(name)));
    }

    @Test
    void the_data_covers_every_verity_dtype_in_cases_that_are_compared() {
        Set<DType> seen = EnumSet.noneOf(DType.class);
        int compared = 0;
        for (String name : caseNames()) {
            if (reason(IGNORED, name) != null || reason(UNLOADABLE, name) != null) continue;
            OnnxBackendTestData.Case c;
            try {
                c = OnnxBackendTestData.load(name);
            } catch (IllegalArgumentException notVerityTypes) {
                continue;
            }
            compared++;
            for (Tensor t : c.inputs()) seen.add(t.dtype());
            for (Tensor t : c.expectedOutputs()) seen.add(t.dtype());
        }
        assertThat(seen).containsExactlyInAnyOrder(DType.values());
        assertThat(compared).as("cases compared").isGreaterThan(900);
    }

    private static void check(String name) {
        String ignored = reason(IGNORED, name);
        Assumptions.assumeTrue(ignored == null, () -> "ignored: " + ignored);
        OnnxBackendTestData.Case c;
        try {
            c = OnnxBackendTestData.load(name);
        } catch (IllegalArgumentException e) {
            Assumptions.abort("not expressible in Verity tensors: " + e.getMessage());
            return;
        }
        Keccak256 digest = Keccak256.hash(read(c.model()));
        String unloadable = reason(UNLOADABLE, name);
        if (unloadable != null) {
            assertThatThrownBy(() -> engine.load(digest, c.model()))
                    .as("%s should not load: %s", name, unloadable)
                    .isInstanceOfSatisfying(EngineException.class,
                            e -> assertThat(e.kind()).isEqualTo(EngineException.Kind.INVALID_MODEL))
                    .hasMessageContaining(digest.toHex());
            return;
        }
        try {
            LoadedModel m = engine.load(digest, c.model());
            List<Tensor> actual = m.run(c.inputs()).outputs();
            assertThat(actual).hasSameSizeAs(c.expectedOutputs());
            for (int i = 0; i < actual.size(); i++) assertClose(name, c.expectedOutputs().get(i), actual.get(i));
        } finally {
            engine.unload(digest);
        }
    }

    static void assertClose(String where, Tensor expected, Tensor actual) {
        assertThat(actual.name()).as("%s output %d name", where, 0).isEqualTo(expected.name());
        assertThat(actual.dtype()).as("%s '%s' dtype", where, expected.name()).isEqualTo(expected.dtype());
        assertThat(actual.shape()).as("%s '%s' shape", where, expected.name()).isEqualTo(expected.shape());
        if (expected.dtype() == DType.STRING) {
            assertThat(actual.strings()).as("%s '%s'", where, expected.name()).isEqualTo(expected.strings());
        } else if (!expected.dtype().isFloatingPoint()) {
            assertThat(actual.dataBytes()).as("%s '%s' bytes", where, expected.name()).isEqualTo(expected.dataBytes());
        } else {
            double[] e = widen(expected);
            double[] a = widen(actual);
            for (int i = 0; i < e.length; i++) {
                if (Double.isNaN(e[i])) {
                    assertThat(a[i]).as("%s '%s'[%d]", where, expected.name(), i).isNaN();
                } else if (e[i] != a[i]) { // equal infinities pass here
                    assertThat(Math.abs(a[i] - e[i]))
                            .as("%s '%s'[%d]: expected %s, got %s", where, expected.name(), i, e[i], a[i])
                            .isLessThanOrEqualTo(ATOL + RTOL * Math.abs(e[i]));
                }
            }
        }
    }

    private static double[] widen(Tensor t) {
        ByteBuffer b = t.data();
        double[] d = new double[Math.toIntExact(t.shape().elementCount())];
        for (int i = 0; i < d.length; i++) {
            d[i] = switch (t.dtype()) {
                case FLOAT32 -> b.getFloat();
                case FLOAT64 -> b.getDouble();
                case FLOAT16 -> Float.float16ToFloat(b.getShort());
                default -> throw new IllegalArgumentException(t + " is not floating point");
            };
        }
        return d;
    }

    private static List<String> caseNames() {
        List<String> names = new ArrayList<>();
        for (String suite : SUITES) {
            try (Stream<Path> dirs = Files.list(OnnxBackendTestData.root().resolve(suite))) {
                dirs.filter(Files::isDirectory).map(d -> suite + "/" + d.getFileName()).sorted().forEach(names::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return names;
    }

    private static String reason(Map<Pattern, String> table, String name) {
        for (var e : table.entrySet()) if (e.getKey().matcher(name).matches()) return e.getValue();
        return null;
    }

    private static Map<Pattern, String> patterns(String... regexAndReason) {
        Map<Pattern, String> m = new LinkedHashMap<>();
        for (int i = 0; i < regexAndReason.length; i += 2) m.put(Pattern.compile(regexAndReason[i]), regexAndReason[i + 1]);
        return m;
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
