package io.verity.engine;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.verity.testing.TestPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * The deterministic engine's layers (issue 14): {@code det.tensor} (arrays, conversion, digests, the pool) knows
 * no operator; {@code det.graph} (the compiled graph and what a kernel is given) knows no kernel; the kernels in
 * {@code det.ops.*} never reach the interpreter and public API in {@code det}, which wires them all.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PackageBoundariesTest {
    static JavaClasses engine;

    @BeforeAll
    static void importEngine() {
        engine = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.verity.engine");
    }

    @Test
    void the_det_packages_have_no_cycles() {
        slices().matching("io.verity.engine.det.(**)").should().beFreeOfCycles().check(engine);
    }

    @Test
    void nothing_inside_det_reaches_the_interpreter_or_the_public_api() {
        noClasses().that().resideInAPackage("io.verity.engine.det.*..").should().dependOnClassesThat()
                .resideInAPackage("io.verity.engine.det").check(engine);
    }

    @Test
    void the_numeric_core_knows_no_graph_and_the_graph_no_kernel() {
        noClasses().that().resideInAPackage("io.verity.engine.det.tensor..").should().dependOnClassesThat()
                .resideInAnyPackage("io.verity.engine.det.graph..", "io.verity.engine.det.ops..").check(engine);
        noClasses().that().resideInAPackage("io.verity.engine.det.graph..").should().dependOnClassesThat()
                .resideInAPackage("io.verity.engine.det.ops..").check(engine);
    }

    @Test
    void no_package_holds_over_1500_lines_of_main_code() throws IOException {
        Path root = TestPaths.repoRoot().resolve("engine/src/main/java/io/verity/engine");
        Map<String, Long> lines = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> lines.merge(
                    root.relativize(f.getParent()).toString(), count(f), Long::sum));
        }
        assertThat(lines).containsKey("det/ops/nn").allSatisfy((pkg, n) -> assertThat(n).as("lines in package '%s'", pkg)
                .isLessThanOrEqualTo(1500));
    }

    private static long count(Path f) {
        try (Stream<String> l = Files.lines(f)) {
            return l.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
