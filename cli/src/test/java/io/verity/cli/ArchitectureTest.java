package io.verity.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Boundaries that hold across modules; the CLI sees every module but the benchmarks, so the rules are checked
 * here. Each module's own package rules live in its tests (e.g. the gateway's).
 */
class ArchitectureTest {
    static JavaClasses verity;

    @BeforeAll
    static void load() {
        verity = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.verity");
    }

    @Test
    void attestationInternalsStayInsideTheAttestationModule() {
        noClasses().that().resideOutsideOfPackage("io.verity.attestation..")
                .should().dependOnClassesThat().resideInAPackage("io.verity.attestation.internal..")
                .check(verity);
    }

    @Test
    void theProtocolDependsOnNoOtherModule() {
        noClasses().that().resideInAPackage("io.verity.protocol..")
                .should().dependOnClassesThat().resideInAnyPackage("io.verity.chain..", "io.verity.node..",
                        "io.verity.gateway..", "io.verity.client..", "io.verity.engine..", "io.verity.http..",
                        "io.verity.explorer..", "io.verity.cli..", "io.verity.llm..", "io.verity.attestation..")
                .check(verity);
    }

    @ParameterizedTest
    @ValueSource(strings = {"node", "gateway", "chain", "cli", "explorer", "llm"})
    void featurePackagesHaveNoCycles(String module) {
        slices().matching("io.verity." + module + ".(*)..").should().beFreeOfCycles().check(verity);
    }
}
