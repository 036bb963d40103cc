package io.verity.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.io.IOException;
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
 * The gateway's packages by capability (issue 14) and the one-way dependencies between them. The root package
 * ({@link Gateway}, {@link GatewayConfig}, {@link GatewayMain}) wires the features together and is the only
 * user of {@code http}; the features know neither. ArchUnit's core library runs in a plain Jupiter test: its
 * JUnit 5 engine would be a second test engine on this JUnit 6 platform, for no gain here.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PackageBoundariesTest {
    static final String ROOT = "io.verity.gateway";
    static final String[] FEATURES = {ROOT + ".routing..", ROOT + ".problem..", ROOT + ".tee..", ROOT + ".pay..",
        ROOT + ".evidence..", ROOT + ".policy..", ROOT + ".tensor..", ROOT + ".openai.."};
    static JavaClasses main;

    @BeforeAll
    static void load() {
        // The module's own classes only: scanning the whole class path for the package takes seconds.
        main = new ClassFileImporter().importPath(Path.of("target/classes"));
        assertThat(main.containPackage(ROOT + ".policy")).as("classes imported").isTrue();
    }

    @Test
    void no_feature_depends_on_the_root_package() {
        noClasses().that().resideInAnyPackage(FEATURES).should().dependOnClassesThat().resideInAPackage(ROOT).check(main);
    }

    @Test
    void nothing_but_the_root_depends_on_the_http_package() {
        noClasses().that().resideOutsideOfPackages(ROOT, ROOT + ".http..").should().dependOnClassesThat()
                .resideInAPackage(ROOT + ".http..").check(main);
    }

    @Test
    void the_policy_engine_knows_no_kind_of_answer_and_no_http() {
        noClasses().that().resideInAPackage(ROOT + ".policy..").should().dependOnClassesThat()
                .resideInAnyPackage(ROOT + ".tensor..", ROOT + ".openai..", ROOT + ".http..", "io.javalin..", "java.net.http..")
                .check(main);
    }

    @Test
    void only_the_http_adapters_use_javalin() {
        noClasses().that().resideOutsideOfPackages(ROOT, ROOT + ".http..", ROOT + ".openai..").should().dependOnClassesThat()
                .resideInAPackage("io.javalin..").check(main);
    }

    @Test
    void feature_packages_are_free_of_cycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(main);
    }

    @Test
    void no_package_holds_more_than_1500_lines_of_main_code() throws IOException {
        Path src = Path.of("src/main/java/io/verity/gateway");
        Map<String, Long> lines = new TreeMap<>();
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = src.relativize(f.getParent()).toString();
                try (Stream<String> l = Files.lines(f)) {
                    lines.merge(pkg.isEmpty() ? "(root)" : pkg, l.count(), Long::sum);
                }
            }
        }
        assertThat(lines).hasSizeGreaterThan(5).allSatisfy((pkg, n) -> assertThat(n).as(pkg).isLessThanOrEqualTo(1500));
    }
}
