package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.engine.Inference;
import io.verity.protocol.tensor.Tensor;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The models Verity ships run on verity-det/1, agree with ONNX Runtime within the documented tolerance
 * (|det - ort| <= 1e-4 + 1e-3 * |ort| per element; observed max 2.5e-6), and give bit-identical outputs and
 * trace roots on one thread and on two threads that split every loop.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class RealModelsIT {
    static final double ATOL = 1e-4, RTOL = 1e-3;
    static DeterministicEngine one, two;

    @BeforeAll
    static void start() {
        one = DeterministicEngine.create(1, true);
        two = DeterministicEngine.splittingEverything(2);
    }

    @AfterAll
    static void stop() {
        one.close();
        two.close();
    }

    static Stream<RealModels.Case> cases() {
        return RealModels.all(1).stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void agrees_with_onnx_runtime_within_the_documented_tolerance(RealModels.Case c) throws Exception {
        DeterministicModel m = one.load(c.digest(), c.file());
        List<Tensor> in = RealModels.bind(m, c.inputs());
        List<Tensor> det = m.run(in).outputs();
        RealModels.OrtWeb.Run ort = RealModels.OrtWeb.run(c.file(), in, 1);
        assertThat(det).hasSameSizeAs(ort.outputs());
        for (int k = 0; k < det.size(); k++) {
            float[] a = det.get(k).floats(), e = ort.outputs().get(k);
            assertThat(a).as("%s output %d length", c.name(), k).hasSameSizeAs(e);
            for (int i = 0; i < a.length; i++) {
                assertThat((double) Math.abs(a[i] - e[i])).as("%s output %d element %d: det %s, ort %s", c.name(), k, i, a[i], e[i])
                        .isLessThanOrEqualTo(ATOL + RTOL * Math.abs(e[i]));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gives_identical_bytes_and_trace_root_on_one_and_two_threads(RealModels.Case c) throws Exception {
        List<Tensor> in = RealModels.bind(one.load(c.digest(), c.file()), c.inputs());
        Inference a = one.load(c.digest(), c.file()).run(in);
        Inference b = two.load(c.digest(), c.file()).run(in);
        for (int k = 0; k < a.outputs().size(); k++) {
            assertThat(b.outputs().get(k).dataBytes()).as("%s output %d", c.name(), k).isEqualTo(a.outputs().get(k).dataBytes());
        }
        assertThat(b.traceRoot()).isEqualTo(a.traceRoot());
        assertThat(a.traceRoot().isZero()).isFalse();
    }
}
