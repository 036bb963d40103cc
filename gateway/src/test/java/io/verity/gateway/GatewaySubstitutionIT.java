package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.client.ChatAnswerCheck;
import io.verity.client.UnverifiedAnswerException;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.llm.LlmEngine;
import io.verity.node.InferenceNode;
import io.verity.node.OpenAiSettings;
import io.verity.node.fixture.LlmNodes;
import io.verity.node.fixture.TinyLlmNode;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.AskedModel;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 16, silent model substitution: two staked provider-proxy nodes whose operators map {@code gpt-4o-mini} to
 * the upstream's {@code tiny-llama} (and {@code tiny-llama} to itself, honestly). Their v2 receipts say what was
 * asked and what the upstream reports served; the gateway refuses a substituted answer and tries the other node
 * (whose receipt then names the refused one as the receipt it follows), unless the request allows it; the Java
 * SDK's {@link ChatAnswerCheck} reports it. A request can also pin the model digest.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class GatewaySubstitutionIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String HONEST = LlmNodes.TINY_LLAMA;
    static final String SWAPPED = "gpt-4o-mini";

    /** The OpenAI-compatible upstream: a chain-less node serving the tiny GGUF as tiny-llama. */
    @Order(1)
    @RegisterExtension static final TinyLlmNode upstream = TinyLlmNode.of(
            LlmEngine.Options.defaults(2, Path.of("target", "gateway-substitution-it-llama.log")));
    @Order(2)
    @RegisterExtension static final LocalNetwork net = LocalNetwork.builder().nodes(2).withoutVad().clientAccount(4)
            .node((i, c) -> c.withPrice(BigInteger.TEN.pow(9)).withOpenAi(OpenAiSettings.NONE.withUpstream(
                    new OpenAiSettings.Upstream(URI.create(upstream.url() + "/v1"), Optional.empty(),
                            Map.of(HONEST, HONEST, SWAPPED, HONEST), Duration.ofSeconds(20)))))
            .gateway(g -> g.refreshInterval(Duration.ofMillis(500))).build();
    static InferenceNode proxy;
    static InferenceNode other;
    static Gateway gateway;
    static HttpClient http;

    @BeforeAll
    static void start() {
        proxy = net.node(1);
        other = net.node(2);
        gateway = net.gateway();
        http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            String models = OpenAiClients.get(http, gateway.url(), "/v1/models").toString();
            return models.contains(HONEST) && models.contains(SWAPPED);
        });
    }

    @AfterAll
    static void stop() {
        if (http != null) http.close();
    }

    static HttpResponse<String> chat(String model, String verity) throws Exception {
        String body = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],"
                + "\"temperature\":0,\"max_tokens\":6" + (verity == null ? "" : ",\"verity\":" + verity) + "}";
        return http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static Eip712Domain domain() {
        return Eip712Domain.verity(net.chain().chainId(), net.chain().deployment().settlement());
    }

    @Test
    void an_honest_proxy_answer_carries_a_v2_receipt_naming_requested_and_served_model_usage_and_payer() throws Exception {
        HttpResponse<String> r = chat(HONEST, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(r.body());
        SignedReceipt receipt = ChatAnswerCheck.verify(answer, AskedModel.named(HONEST), domain()).getFirst();
        var v2 = receipt.receipt().v2();
        assertThat(receipt.receipt().version()).isEqualTo(2);
        assertThat(v2.requestedModel()).isEqualTo(HONEST);
        assertThat(v2.servedModel()).isEqualTo(HONEST);
        assertThat(v2.provider()).isEqualTo(upstream.url() + "/v1");
        assertThat(v2.promptTokens()).isEqualTo(answer.at("/usage/prompt_tokens").asLong());
        assertThat(v2.completionTokens()).isEqualTo(answer.at("/usage/completion_tokens").asLong());
        assertThat(v2.payer()).isEqualTo(gateway.clientAccount().orElseThrow());
        assertThat(answer.at("/verity/verdict/checked").asText()).endsWith("served model");
    }

    static int receipts() throws Exception {
        return OpenAiClients.get(http, proxy.url(), "/health").get("receipts").asInt()
                + OpenAiClients.get(http, other.url(), "/health").get("receipts").asInt();
    }

    @Test
    void a_proxy_serving_another_upstream_model_is_refused_by_the_gateway_which_tries_the_next_and_names_it() throws Exception {
        int before = receipts();
        HttpResponse<String> r = chat(SWAPPED, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
        JsonNode problem = JSON.readTree(r.body());
        JsonNode attempts = problem.get("attempts");
        assertThat(attempts).hasSize(2);
        String[] ids = new String[2];
        for (int i = 0; i < 2; i++) {
            assertThat(attempts.get(i).get("outcome").asText()).isEqualTo("model-substitution");
            assertThat(attempts.get(i).get("detail").asText()).matches("model substitution: asked for 'gpt-4o-mini', served by "
                    + "'tiny-llama' at \\Q" + upstream.url() + "/v1\\E; set verity.allow_substitution to accept another model "
                    + "\\(receipt (0x[0-9a-f]{64})\\)");
            ids[i] = attempts.get(i).get("detail").asText().replaceAll(".*\\(receipt (0x[0-9a-f]{64})\\)$", "$1");
        }
        assertThat(problem.at("/error/message").asText()).isEqualTo("no node served the model asked for ("
                + attempts.get(0).get("detail").asText() + "); nothing was charged");
        // the nodes did sign (they said what happened); the gateway paid nothing; the second receipt follows the first
        assertThat(receipts()).isEqualTo(before + 2);
        URI second = attempts.get(1).get("node").asText().equals(proxy.address().toString()) ? proxy.url() : other.url();
        JsonNode followed = JSON.readTree(http.send(HttpRequest.newBuilder(second.resolve("/v1/receipts/" + ids[1])).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(ReceiptJson.read(followed, "").receipt().v2().prevReceipt().toHex()).isEqualTo(ids[0]);
        // each refused answer is evidence of kind substitution, with the receipt that says what served
        JsonNode evidence = OpenAiClients.get(http, gateway.url(), "/v1/evidence").get("evidence");
        for (String id : ids) {
            assertThat(evidence).as("evidence %s", evidence).anySatisfy(e -> {
                assertThat(e.get("kind").asText()).isEqualTo("substitution");
                assertThat(e.at("/accused/0/id").asText()).isEqualTo(id);
                assertThat(e.get("majority")).isEmpty();
            });
        }
    }

    @Test
    void a_request_that_allows_substitution_gets_the_answer_and_the_java_sdk_still_reports_it_to_a_strict_client()
            throws Exception {
        HttpResponse<String> r = chat(SWAPPED, "{\"allow_substitution\":true}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(r.body());
        SignedReceipt receipt = ChatAnswerCheck.verify(answer, new AskedModel(SWAPPED, Optional.empty(), true), domain())
                .getFirst();
        assertThat(receipt.receipt().v2().servedModel()).isEqualTo(HONEST);
        assertThatThrownBy(() -> ChatAnswerCheck.verify(answer, AskedModel.named(SWAPPED), domain()))
                .isInstanceOfSatisfying(UnverifiedAnswerException.class, e -> {
                    assertThat(e.check()).isEqualTo(UnverifiedAnswerException.Check.SUBSTITUTION);
                    assertThat(e.receiptId()).contains(receipt.id());
                })
                .hasMessageContaining("served by 'tiny-llama'");
    }

    @Test
    void the_typescript_sdk_refuses_a_substituted_answer_straight_from_a_proxy_node_unless_allowed() throws Exception {
        // straight to the node on the gateway's client account, each request signed with its key (Verity-Payer-Auth)
        String out = SdkJsIT.runLive(java.util.Map.of("VERITY_PAYER_KEY", net.chain().account(4).privateKeyHex()),
                "substitution-live.mjs", proxy.url() + "/v1", SWAPPED, String.valueOf(net.chain().chainId()),
                net.chain().deployment().settlement().toString(), proxy.address().toString());
        assertThat(out).contains("\"caughtBy\":\"SUBSTITUTION\"").contains("served by 'tiny-llama'")
                .contains("\"servedModel\":\"tiny-llama\"");
    }

    @Test
    void a_request_can_pin_the_model_digest_and_a_digest_no_node_serves_is_a_404_naming_the_field() throws Exception {
        JsonNode listed = OpenAiClients.get(http, proxy.url(), "/v1/models");
        String digest = null;
        for (JsonNode m : listed.get("data")) if (m.get("id").asText().equals(HONEST)) digest = m.get("verity_model_digest").asText();
        HttpResponse<String> pinned = chat(HONEST, "{\"model_digest\":\"" + digest + "\"}");
        assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
        assertThat(ReceiptJson.read(JSON.readTree(pinned.body()).at("/verity/receipt"), "").receipt().modelDigest().toHex())
                .isEqualTo(digest);

        String other = Keccak256.hash(new byte[] {1}).toHex();
        HttpResponse<String> r = chat(HONEST, "{\"model_digest\":\"" + other + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        assertThat(JSON.readTree(r.body()).at("/error/param").asText()).isEqualTo("verity.model_digest");
        HttpResponse<String> bad = chat(HONEST, "{\"allow_substitution\":\"yes\"}");
        assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).at("/error/message").asText())
                .isEqualTo("verity.allow_substitution must be true or false, got \"yes\"");
    }
}
