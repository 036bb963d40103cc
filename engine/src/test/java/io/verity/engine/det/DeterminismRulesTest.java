package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.testing.TestPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/**
 * Guards the arithmetic contract of package-info at the source level: the engine's kernels never call the
 * platform-dependent java.lang.Math transcendentals or the common pool, and FMA and the Vector API appear only in
 * the verity-det/3 kernels listed in {@link #FMA_KERNELS} (where both are exactly defined and lanes never exchange values).
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class DeterminismRulesTest {
    static final Pattern FORBIDDEN = Pattern.compile(
            "(?<!Strict)Math\\.(exp|log|log10|log1p|expm1|pow|sqrt|cbrt|hypot|sin|cos|tan|asin|acos|atan|atan2|sinh|cosh|tanh|fma)\\("
                    + "|jdk\\.incubator\\.vector\\.|parallelStream\\(|ForkJoinPool\\.commonPool|\\.parallel\\(\\)");
    /**
     * Where verity-det/3 may use FMA and the Vector API, and nothing else forbidden: its product kernels (one output per
     * lane), Clip's and MaxPool's float32 selects (compares and blends, exact lane by lane) and Erf's erf3 (each lane the scalar's
     * plain multiplies and adds in its order, no FMA, its table row by a gather: ErfLanesTest checks the bits),
     * and Softmax's exp3 (the same, T by a gather: ExpLanesTest). Naming the module to check that it is
     * present is not a use (the pattern wants a class of it).
     */
    static final java.util.Set<String> FMA_KERNELS = java.util.Set.of("ops/gemm/Dot.java", "ops/gemm/Lanes.java", "ops/gemm/NarrowLanes.java", "ops/gemm/PackedLanes.java",
            "ops/math/ClipLanes.java", "ops/math/ErfLanes.java",
            "ops/norm/ExpLanes.java", "ops/pool/MaxPoolLanes.java");
    static final Pattern FMA_OR_VECTOR = Pattern.compile("Math\\.fma\\(|jdk\\.incubator\\.vector");

    @Test
    void engine_sources_use_only_strictmath_and_their_own_pool() throws Exception {
        Path src = TestPaths.repoRoot().resolve("engine/src/main/java/io/verity/engine/det");
        List<String> hits = new ArrayList<>();
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String code = lines.get(i).replaceAll("//.*", "");
                    if (FMA_KERNELS.contains(src.relativize(f).toString().replace('\\', '/'))) code = FMA_OR_VECTOR.matcher(code).replaceAll("");
                    if (FORBIDDEN.matcher(code).find()) hits.add(src.relativize(f) + ":" + (i + 1) + ": " + lines.get(i).trim());
                }
            }
        }
        assertThat(src.resolve("ops/gemm/Dot.java")).exists(); // the walk reaches the kernels' sub-packages
        assertThat(hits).as("calls that may differ between JVMs/CPUs").isEmpty();
        assertThat(FORBIDDEN.matcher("double y = Math.exp(x);").find()).isTrue();
        assertThat(FORBIDDEN.matcher("double y = StrictMath.exp(x);").find()).isFalse();
        assertThat(FORBIDDEN.matcher("import jdk.incubator.vector.FloatVector;").find()).isTrue();
        assertThat(FORBIDDEN.matcher("findModule(\"jdk.incubator.vector\")").find()).isFalse();
    }
}
