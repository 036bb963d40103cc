package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.node.fixture.StakedNodes;
import io.verity.node.fixture.VadNode;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.TensorDigests;
import java.net.http.HttpClient;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The node's HTTP API against a real node on a free loopback port, serving the real Silero VAD model. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeApiIT {
    @RegisterExtension static final VadNode node = VadNode.of(c -> c.withMaxBodyBytes(64 * 1024));
    final HttpClient http = HttpClient.newHttpClient();

    @AfterAll
    void stop() {
        http.close();
    }

    NodeFixture.Response infer(String body) throws Exception {
        return NodeFixture.post(http, node.url(), "/v1/infer", body, "application/json");
    }

    static void assertProblem(NodeFixture.Response r, int status, String slug) {
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.body().get("type").asText()).isEqualTo("urn:verity:problem:" + slug);
        assertThat(r.body().get("status").asInt()).isEqualTo(status);
    }

    /** {@code body} is refused with {@code status} and {@code slug}, naming one field: {@code pointer}. */
    void assertRefused(String body, int status, String slug, String pointer) throws Exception {
        var r = infer(body);
        assertProblem(r, status, slug);
        assertThat(onlyError(r).get("pointer").asText()).isEqualTo(pointer);
    }

    static JsonNode onlyError(NodeFixture.Response r) {
        assertThat(r.body().get("errors")).hasSize(1);
        return r.body().get("errors").get(0);
    }

    @Test
    void metrics_time_each_inference_by_route_and_model_and_count_the_receipts() throws Exception {
        assertThat(infer(NodeFixture.vadRequest(Keccak256.hash("metrics".getBytes()).toHex())).status()).isEqualTo(200);
        var r = http.send(java.net.http.HttpRequest.newBuilder(node.url().resolve("/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        assertThat(r.body()).contains("verity_node_receipts_signed ").contains("jvm_memory_used_bytes")
                .containsPattern("verity_node_http_requests_seconds_count\\{.*model=\"silero-vad\".*route=\"/v1/infer\".*\\} [1-9]");
    }

    @Test
    void answers_an_inference_with_outputs_and_a_receipt_that_verifies() throws Exception {
        String rid = Keccak256.hash("req-1".getBytes()).toHex();
        var r = infer(NodeFixture.vadRequest(rid));
        assertThat(r.status()).isEqualTo(200);
        SignedReceipt receipt = ReceiptJson.read(r.body().get("receipt"), "/receipt");
        assertThat(receipt.verify()).isInstanceOf(ReceiptVerdict.Verified.class);
        assertThat(receipt.receipt().node()).isEqualTo(node.address());
        assertThat(receipt.receipt().requestId().toHex()).isEqualTo(rid);
        assertThat(receipt.receipt().modelDigest()).isEqualTo(Keccak256.hash(Files.readAllBytes(StakedNodes.vadFile())));
        var outputs = TensorJson.readList(r.body().get("outputs"), "/outputs");
        assertThat(receipt.receipt().outputsDigest()).isEqualTo(TensorDigests.tensorsDigest(outputs));
        var inputs = TensorJson.readList(NodeFixture.JSON.readTree(NodeFixture.vadRequest(rid)).get("inputs"), "/inputs");
        assertThat(receipt.receipt().inputsDigest()).isEqualTo(TensorDigests.tensorsDigest(inputs));
        float p = outputs.stream().filter(t -> t.name().equals("output")).findFirst().orElseThrow().floats()[0];
        assertThat(p).isBetween(0f, 1f);

        var stored = NodeFixture.get(http, node.url(), "/v1/receipts/" + receipt.id());
        assertThat(stored.status()).isEqualTo(200);
        assertThat(ReceiptJson.read(stored.body(), "").id()).isEqualTo(receipt.id());
    }

    @Test
    void lists_models_and_serves_a_manifest_and_the_exact_model_bytes() throws Exception {
        var list = NodeFixture.get(http, node.url(), "/v1/models");
        assertThat(list.status()).isEqualTo(200);
        JsonNode m = list.body().get("models").get(0);
        assertThat(m.get("name").asText()).isEqualTo(NodeFixture.VAD);
        String digest = m.get("digest").asText();
        var manifest = NodeFixture.get(http, node.url(), "/v1/models/" + digest);
        assertThat(manifest.body().get("digest").asText()).isEqualTo(digest);
        var file = NodeFixture.get(http, node.url(), "/v1/models/" + digest + "/file");
        assertThat(file.status()).isEqualTo(200);
        assertThat(Keccak256.hash(file.raw()).toHex()).isEqualTo(digest);
    }

    @Test
    void health_names_the_node_and_engine() throws Exception {
        var r = NodeFixture.get(http, node.url(), "/health");
        assertThat(r.body().get("status").asText()).isEqualTo("ok");
        assertThat(r.body().get("node").asText()).isEqualTo(node.address().toString());
        assertThat(r.body().get("engine").asText()).startsWith("onnxruntime/");
    }

    @Test
    void malformed_json_is_a_400_with_the_position() throws Exception {
        var r = infer("{\"model\": \"silero-vad\", \"inputs\": [");
        assertProblem(r, 400, "malformed-json");
        assertThat(r.body().get("detail").asText()).contains("line 1");
    }

    @Test
    void a_body_that_is_not_an_object_is_a_400() throws Exception {
        assertProblem(infer("[1,2]"), 400, "invalid-request");
    }

    @Test
    void unknown_and_missing_fields_are_named() throws Exception {
        var r = infer("{\"modle\": \"silero-vad\", \"inputs\": []}");
        assertProblem(r, 400, "invalid-request");
        assertThat(r.body().get("errors").findValuesAsText("pointer")).containsExactlyInAnyOrder("/modle", "/model");
    }

    @Test
    void an_unknown_model_is_a_404_naming_the_field() throws Exception {
        assertRefused(NodeFixture.vadRequest(null).replace("\"silero-vad\"", "\"no-such-model\""),
                404, "unknown-model", "/model");
    }

    @Test
    void a_missing_input_is_a_422() throws Exception {
        String body = NodeFixture.vadRequest(null).replaceAll(",\\{\"name\":\"sr\"[^}]*}", "");
        var r = infer(body);
        assertProblem(r, 422, "invalid-input");
        assertThat(onlyError(r).get("detail").asText()).startsWith("missing input 'sr'");
    }

    @Test
    void an_extra_input_is_a_422() throws Exception {
        String valid = NodeFixture.vadRequest(null);
        String body = valid.substring(0, valid.length() - 2) + ",{\"name\":\"h\",\"dtype\":\"float32\",\"shape\":[1],\"data\":[0]}]}";
        assertRefused(body, 422, "invalid-input", "/inputs/3/name");
    }

    @Test
    void a_wrong_dtype_is_a_422() throws Exception {
        assertRefused(NodeFixture.vadRequest(null).replace("\"dtype\":\"int64\"", "\"dtype\":\"int32\""),
                422, "invalid-input", "/inputs/2/dtype");
    }

    @Test
    void a_wrong_dim_is_a_422() throws Exception {
        String body = NodeFixture.vadRequest(null).replace("\"shape\":[2,1,128],\"b64\":\"", "\"shape\":[2,1,64],\"b64\":\"")
                .replace(java.util.Base64.getEncoder().encodeToString(new byte[2 * 128 * 4]),
                        java.util.Base64.getEncoder().encodeToString(new byte[2 * 64 * 4]));
        assertRefused(body, 422, "invalid-input", "/inputs/1/shape/2");
    }

    @Test
    void data_that_does_not_fill_the_shape_is_a_400_naming_the_tensor() throws Exception {
        var r = infer(NodeFixture.vadRequest(null).replace("\"shape\":[],\"data\":[16000]", "\"shape\":[],\"data\":[16000,1]"));
        assertProblem(r, 400, "invalid-request");
        assertThat(onlyError(r).get("pointer").asText()).startsWith("/inputs/2");
    }

    @Test
    void nan_in_a_float_input_is_a_422() throws Exception {
        assertRefused(NodeFixture.vadRequest(null).replaceFirst("\\[0\\.0,", "[\"NaN\","),
                422, "invalid-input", "/inputs/0/data/0");
    }

    @Test
    void a_bad_request_id_is_a_400() throws Exception {
        assertRefused(NodeFixture.vadRequest("0x1234"), 400, "invalid-request", "/requestId");
    }

    @Test
    void a_body_over_the_limit_is_a_413() throws Exception {
        String big = "{\"model\":\"silero-vad\",\"inputs\":[],\"pad\":\"" + "x".repeat(100 * 1024) + "\"}";
        assertProblem(infer(big), 413, "body-too-large");
    }

    @Test
    void a_non_json_content_type_is_a_415() throws Exception {
        assertProblem(NodeFixture.post(http, node.url(), "/v1/infer", "model=x", "text/plain"), 415, "unsupported-media-type");
    }

    @Test
    void unknown_routes_and_receipts_are_404_problems() throws Exception {
        assertProblem(NodeFixture.get(http, node.url(), "/v2/nothing"), 404, "not-found");
        assertProblem(NodeFixture.get(http, node.url(), "/v1/receipts/" + Keccak256.ZERO), 404, "not-found");
        assertProblem(NodeFixture.get(http, node.url(), "/v1/receipts/xyz"), 400, "invalid-request");
    }
}
