package io.verity.node.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
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
 * The node's feature packages (issue 14, move 3) and which may use which: {@code serve} answers requests and knows
 * nothing of HTTP; {@code http} is the one HTTP edge and knows the OpenAI feature only through
 * {@code NodeApi.Extension}; {@code settle}, {@code pay}, {@code faults}, {@code hub} and {@code receipts} use none of those. The root
 * package wires them and may use all.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PackageBoundariesTest {
    static JavaClasses node;

    @BeforeAll
    static void importNode() {
        node = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.verity.node");
    }

    @Test
    void serving_knows_nothing_of_http_openai_or_disputes() {
        noClasses().that().resideInAPackage("io.verity.node.serve..").should().dependOnClassesThat()
                .resideInAnyPackage("io.verity.node.http..", "io.verity.node.openai..", "io.verity.node.dispute..")
                .check(node);
    }

    @Test
    void only_the_http_edge_and_the_openai_routes_speak_http() {
        noClasses().that().resideInAnyPackage("io.verity.node.serve..", "io.verity.node.settle..", "io.verity.node.dispute..",
                "io.verity.node.pay..", "io.verity.node.faults..", "io.verity.node.hub..", "io.verity.node.receipts..")
                .should().dependOnClassesThat().resideInAnyPackage("io.javalin..", "io.verity.http..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("io.verity.protocol.wire.ProblemException")
                .check(node);
    }

    @Test
    void the_http_edge_does_not_know_the_openai_feature() {
        noClasses().that().resideInAPackage("io.verity.node.http..").should().dependOnClassesThat()
                .resideInAPackage("io.verity.node.openai..").check(node);
    }

    @Test
    void settlement_payments_faults_hub_and_receipts_use_no_other_feature() {
        noClasses().that().resideInAnyPackage("io.verity.node.settle..", "io.verity.node.pay..", "io.verity.node.faults..", "io.verity.node.hub..",
                "io.verity.node.receipts..").should().dependOnClassesThat().resideInAnyPackage("io.verity.node.serve..",
                "io.verity.node.http..", "io.verity.node.openai..", "io.verity.node.dispute..").check(node);
    }

    @Test
    void feature_packages_have_no_cycles() {
        slices().matching("io.verity.node.(*)..").should().beFreeOfCycles().check(node);
    }

    @Test
    void no_package_holds_over_1500_lines_of_main_code() throws IOException {
        Path root = Path.of("src/main/java/io/verity/node");
        Map<String, Long> lines = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> lines.merge(
                    root.relativize(f.getParent()).toString(), count(f), Long::sum));
        }
        assertThat(lines).isNotEmpty().allSatisfy((pkg, n) -> assertThat(n).as("lines in package '%s'", pkg)
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
