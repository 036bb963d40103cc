package io.verity.engine;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.verity.testing.PackageSizes;
import io.verity.testing.TestPaths;
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
    static final JavaClasses engine = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.verity.engine");

    @Test
    void the_det_packages_have_no_cycles() {
        slices().matching("io.verity.engine.det.(**)").should().beFreeOfCycles().check(engine);
    }

    @Test
    void the_det_layers_are_used_downwards_only() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("api and interpreter").definedBy("io.verity.engine.det")
                .layer("kernels").definedBy("io.verity.engine.det.ops..")
                .layer("graph").definedBy("io.verity.engine.det.graph..")
                .layer("tensor").definedBy("io.verity.engine.det.tensor..")
                .whereLayer("api and interpreter").mayNotBeAccessedByAnyLayer()
                .whereLayer("kernels").mayOnlyBeAccessedByLayers("api and interpreter")
                .whereLayer("graph").mayOnlyBeAccessedByLayers("api and interpreter", "kernels")
                .whereLayer("tensor").mayOnlyBeAccessedByLayers("api and interpreter", "kernels", "graph")
                .check(engine);
    }

    @Test
    void no_package_holds_over_1500_lines_of_main_code() {
        assertThat(PackageSizes.linesPerPackage(TestPaths.repoRoot().resolve("engine/src/main/java/io/verity/engine")))
                .containsKey("det/ops/nn").allSatisfy((pkg, n) -> assertThat(n).as("lines in package '%s'", pkg)
                        .isLessThanOrEqualTo(PackageSizes.MAX_LINES));
    }
}
