package io.verity.node.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.ModelSchema;
import io.verity.protocol.tensor.TensorSpec;
import io.verity.protocol.tensor.TensorSpec.Dim;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ManifestTest {
    static final Keccak256 DIGEST =
            Keccak256.parse("0xf6fb974b007980b6e2b4fa51b8fecef64f2677af014b58964ef5759c092a0f68");

    static Manifest sample(Instant addedAt) {
        ModelSchema schema = new ModelSchema(
                List.of(new TensorSpec("input", DType.FLOAT32, List.of(new Dim.Dynamic("batch"), new Dim.Fixed(3))),
                        new TensorSpec("sr", DType.INT64, List.of())),
                List.of(new TensorSpec("output", DType.FLOAT32, List.of(new Dim.Dynamic(""), new Dim.Fixed(1)))));
        return new Manifest(DIGEST, "silero-vad", "4.0", "MIT", null, 1807522, "onnx", schema,
                Map.of("ai.onnx", 16L, "ai.onnx.ml", 3L), new Manifest.Producer("pytorch", "1.12.0"), addedAt);
    }

    static final String CANONICAL = "{"
            + "\"digest\":\"0xf6fb974b007980b6e2b4fa51b8fecef64f2677af014b58964ef5759c092a0f68\","
            + "\"format\":\"onnx\",\"license\":\"MIT\",\"name\":\"silero-vad\","
            + "\"opsets\":{\"ai.onnx\":16,\"ai.onnx.ml\":3},\"producer\":{\"name\":\"pytorch\",\"version\":\"1.12.0\"},"
            + "\"schema\":{\"inputs\":[{\"dims\":[\"batch\",3],\"dtype\":\"float32\",\"name\":\"input\"},"
            + "{\"dims\":[],\"dtype\":\"int64\",\"name\":\"sr\"}],"
            + "\"outputs\":[{\"dims\":[\"\",1],\"dtype\":\"float32\",\"name\":\"output\"}]},"
            + "\"sizeBytes\":1807522,\"source\":null,\"version\":\"4.0\"}";

    @Test
    void canonical_json_has_sorted_keys_no_whitespace_and_no_added_at() {
        assertThat(new String(sample(Instant.EPOCH).canonicalJson(), StandardCharsets.UTF_8)).isEqualTo(CANONICAL);
    }

    /** Expected value from ethers 6: {@code ethers.keccak256(ethers.toUtf8Bytes(CANONICAL))}. */
    @Test
    void manifest_digest_is_keccak256_of_the_canonical_json() {
        assertThat(sample(Instant.EPOCH).manifestDigest())
                .isEqualTo(Keccak256.hash(CANONICAL.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(Keccak256.parse("0x76468c526e349bd7f058ae7996e5befba595939298014f08d46de34874f197c3"));
    }

    @Test
    void an_engine_is_kept_in_the_stored_json_but_left_out_of_the_manifest_digest() {
        Manifest plain = sample(Instant.EPOCH);
        Manifest det = plain.withEngine(java.util.Optional.of(io.verity.engine.EngineKind.DET));

        assertThat(det.manifestDigest()).isEqualTo(plain.manifestDigest());
        assertThat(det.toJson()).contains("\"engine\" : \"det\"");
        assertThat(Manifest.parse(det.toJson())).isEqualTo(det);
        assertThat(plain.toJson()).doesNotContain("engine"); // a manifest written before the field reads the same
        assertThat(Manifest.parse(plain.toJson()).engine()).isEmpty();
        assertThatThrownBy(() -> Manifest.parse(plain.toJson().replace("\"addedAt\"", "\"engine\" : \"gpu\", \"addedAt\"")))
                .hasMessage("manifest field 'engine': engine must be one of det, onnxruntime, got 'gpu'");
    }

    @Test
    void added_at_does_not_change_the_manifest_digest_but_a_label_does() {
        Manifest a = sample(Instant.EPOCH);
        Manifest b = sample(Instant.parse("2030-01-01T00:00:00Z"));
        Manifest renamed = new Manifest(a.digest(), "vad", a.version(), a.license(), a.source(), a.sizeBytes(),
                a.format(), a.schema(), a.opsets(), a.producer(), a.addedAt());

        assertThat(b.manifestDigest()).isEqualTo(a.manifestDigest());
        assertThat(renamed.manifestDigest()).isNotEqualTo(a.manifestDigest());
    }

    @Test
    void json_round_trips_every_field() {
        Manifest m = sample(Instant.parse("2026-11-24T06:00:00.123Z"));

        assertThat(Manifest.parse(m.toJson())).isEqualTo(m);
        assertThat(m.toJson()).contains("\"addedAt\" : \"2026-11-24T06:00:00.123Z\"");
    }

    @Test
    void parse_names_the_missing_or_malformed_field() {
        String json = sample(Instant.EPOCH).toJson();

        assertThatThrownBy(() -> Manifest.parse(json.replace("\"name\" : \"silero-vad\",", "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("manifest field 'name' must be a string, got null");
        assertThatThrownBy(() -> Manifest.parse(json.replace("\"batch\", 3", "\"batch\", -3")))
                .hasMessage("manifest field 'schema.inputs[0].dims[1]' must be a size >= 0 or a dim name, got -3");
        assertThatThrownBy(() -> Manifest.parse(json.replace("\"int64\"", "\"int16\"")))
                .hasMessageStartingWith("unknown dtype 'int16', expected one of float32");
        assertThatThrownBy(() -> Manifest.parse(json.replace("\"onnx\"", "\"safetensors\"")))
                .hasMessage("format must be 'onnx' or 'gguf', got 'safetensors'");
        assertThatThrownBy(() -> Manifest.parse("{\"digest\": 1"))
                .hasMessageStartingWith("manifest is not valid JSON: ");
        assertThatThrownBy(() -> Manifest.parse("[]")).hasMessage("manifest must be a JSON object");
    }

    @Test
    void blank_license_and_source_mean_unknown() {
        Manifest a = sample(Instant.EPOCH);
        Manifest blank = new Manifest(a.digest(), a.name(), a.version(), " ", "", a.sizeBytes(), a.format(),
                a.schema(), a.opsets(), a.producer(), a.addedAt());

        assertThat(blank.license()).isNull();
        assertThat(blank.source()).isNull();
    }
}
