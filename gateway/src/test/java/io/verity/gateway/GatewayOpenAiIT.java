package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.verity.chain.fixture.LocalChain;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.llm.LlmEngine;
import io.verity.node.InferenceNode;
import io.verity.node.fixture.LlmNodes;
import io.verity.node.fixture.OpenAiSdk;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's OpenAI pass-through on a local chain: a staked node serving the tiny GGUF, the official
 * openai-java client pointed at the gateway. The gateway checks and pays every receipt; receipts settle.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class GatewayOpenAiIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final BigInteger PRICE_PER_TOKEN = BigInteger.TEN.pow(9);
    static final String MODEL = LlmNodes.TINY_LLAMA;

    @TempDir static Path dir;
    /** One node serving a tiny llama.cpp model at PRICE_PER_TOKEN; a gateway paying from dev account 4. */
    @RegisterExtension static final LocalNetwork net = LocalNetwork.builder().nodes(1).withoutVad().clientAccount(4)
            .node((i, c) -> c.withPrice(PRICE_PER_TOKEN))
            .starter((i, c) -> LlmNodes.start(c, LlmEngine.start(LlmNodes.tinyLlama(c.home()), 2, null)))
            .gateway(g -> g.refreshInterval(Duration.ofMillis(500))).build();
    static LocalChain devnet;
    static InferenceNode node;
    static Gateway gateway;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        devnet = net.chain();
        node = net.node(1);
        gateway = net.gateway();
        http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(30)).until(() -> get(gateway.url(), "/v1/models").toString().contains(MODEL));
    }

    @AfterAll
    static void stop() {
        if (http != null) http.close();
    }

    static JsonNode get(URI base, String path) throws Exception {
        return OpenAiClients.get(http, base, path);
    }

    static OpenAIClient openai() {
        return OpenAiClients.openai(gateway, Duration.ofSeconds(30));
    }

    static Eip712Domain domain() {
        return Eip712Domain.verity(devnet.chainId(), devnet.deployment().settlement());
    }

    @Test
    void openai_java_through_the_gateway_gets_a_checked_paid_receipt_that_settles() throws Exception {
        ChatCompletion c = openai().chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage("Hello").temperature(0).maxCompletionTokens(12).build());
        assertThat(c.choices().get(0).message().content().orElseThrow()).hasSize(12);
        JsonNode verity = OpenAiSdk.tree(c._additionalProperties().get("verity"));
        SignedReceipt receipt = ReceiptJson.read(verity.get("receipt"), "");
        assertThat(receipt.verify(domain())).isInstanceOf(ReceiptVerdict.Verified.class);
        assertThat(receipt.receipt().node()).isEqualTo(node.address());
        long tokens = c.usage().orElseThrow().totalTokens();
        assertThat(receipt.receipt().price()).isEqualTo(PRICE_PER_TOKEN.multiply(BigInteger.valueOf(tokens)));
        assertThat(verity.at("/verdict/status").asText()).isEqualTo("single");
        assertThat(verity.at("/payment/node").asText()).isEqualTo(node.address().toString());
        assertThat(new BigInteger(verity.at("/payment/amount").asText())).isEqualTo(receipt.receipt().price());
        String client = gateway.clientAccount().orElseThrow().toString();
        // the node holds the voucher, and the receipt's batch lands on chain
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(new BigInteger(get(node.url(),
                "/v1/vouchers/" + client).get("cumulativeAmount").asText())).isGreaterThanOrEqualTo(receipt.receipt().price()));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(get(node.url(), "/v1/receipts/"
                + receipt.id().toHex() + "/proof").has("batchRoot")).isTrue());
    }

    @Test
    void openai_java_streams_through_the_gateway_and_the_last_chunk_is_checked_and_paid() {
        OpenAiSdk.Streamed streamed = OpenAiSdk.stream(openai(), ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage("Hello").temperature(0).maxCompletionTokens(10).build());
        assertThat(streamed.content()).hasSize(10);
        JsonNode verity = streamed.verity();
        assertThat(ReceiptJson.read(verity.get("receipt"), "").verify(domain())).isInstanceOf(ReceiptVerdict.Verified.class);
        assertThat(verity.at("/verdict/status").asText()).isEqualTo("single");
        assertThat(verity.at("/payment/amount").asText()).isNotEqualTo("0");
    }

    static HttpResponse<String> postJson(URI url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(url).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void a_deposit_too_small_for_the_next_answer_is_a_402_in_openai_shape_and_no_node_is_asked() throws Exception {
        BigInteger deposit = PRICE_PER_TOKEN.multiply(BigInteger.valueOf(100)); // a hundred tokens
        try (Gateway poor = Gateway.start(GatewayConfig.builder(dir.resolve("poor-gateway"), devnet.deploymentFile())
                .clientKey(devnet.account(5).privateKeyHex()).deposit(deposit).refreshInterval(Duration.ofMillis(500)).build())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> get(poor.url(), "/v1/models").toString().contains(MODEL));
            URI chat = poor.url().resolve("/v1/chat/completions");
            // an answer the deposit can pay goes through
            HttpResponse<String> small = postJson(chat, "{\"model\":\"" + MODEL + "\",\"max_tokens\":4,\"temperature\":0,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");
            assertThat(small.statusCode()).as(small.body()).isEqualTo(200);
            int receipts = get(node.url(), "/health").get("receipts").asInt();

            for (var ask : Map.of(chat, "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]",
                    poor.url().resolve("/v1/completions"), "\"prompt\":\"Hello\"").entrySet()) {
                HttpResponse<String> r = postJson(ask.getKey(), "{\"model\":\"" + MODEL + "\",\"max_tokens\":200," + ask.getValue() + "}");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(402);
                assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
                JsonNode p = JSON.readTree(r.body());
                assertThat(p.at("/error/code").asText()).isEqualTo("insufficient_deposit");
                assertThat(p.at("/error/type").asText()).isEqualTo("insufficient_quota");
                assertThat(p.at("/error/message").asText()).contains("deposit more");
                assertThat(p.get("type").asText()).isEqualTo("urn:verity:problem:insufficient-deposit");
                assertThat(p.get("source").asText()).isEqualTo("payment");
                assertThat(p.get("retryable").asBoolean(true)).isFalse();
                assertThat(p.get("client").asText()).isEqualTo(devnet.account(5).address().toString());
                assertThat(new BigInteger(p.get("deposit").asText())).isEqualTo(deposit);
                // priced as it would be paid: per token, max_tokens and the prompt
                assertThat(new BigInteger(p.get("price").asText())).isGreaterThan(PRICE_PER_TOKEN.multiply(BigInteger.valueOf(200)));
                assertThat(p.has("attempts")).as("no node was asked").isFalse();
            }
            assertThat(get(node.url(), "/health").get("receipts").asInt()).as("receipts the node signed").isEqualTo(receipts);
        }
    }

    @Test
    void openai_java_lists_the_language_models_the_network_serves() {
        assertThat(openai().models().list().data()).extracting(m -> m.id()).containsExactly(MODEL);
    }

    @Test
    void the_openai_npm_client_chats_streams_and_reads_errors_through_the_gateway() throws Exception {
        JsonNode out = OpenAiSdk.npmClientCheck(gateway.url(), MODEL);
        assertThat(out.at("/chat/content").asText()).hasSize(12);
        assertThat(out.at("/chat/verity/verdict/status").asText()).isEqualTo("single");
        assertThat(ReceiptJson.read(out.at("/chat/verity/receipt"), "").verify(domain())).isInstanceOf(ReceiptVerdict.Verified.class);
        assertThat(out.at("/stream/content").asText()).isEqualTo(out.at("/chat/content").asText());
        assertThat(out.at("/stream/verity/payment/amount").asText()).isNotEqualTo("0");
        assertThat(out.at("/json/content").asText()).startsWith("{");
        assertThat(out.at("/tools/finish").asText()).isEqualTo("tool_calls");
        assertThat(out.at("/tools/name").asText()).isEqualTo("get_weather");
        assertThat(JSON.readTree(out.at("/tools/arguments").asText()).has("city")).isTrue();
        assertThat(out.at("/error/name").asText()).isEqualTo("NotFoundError");
        assertThat(out.at("/error/code").asText()).isEqualTo("model_not_found");
    }

    @Test
    void an_unknown_model_is_a_404_the_client_understands() {
        assertThatThrownBy(() -> openai().chat().completions().create(ChatCompletionCreateParams.builder().model("nope")
                .addUserMessage("x").build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(e.code()).contains("model_not_found");
                    assertThat(e.param()).contains("model");
                });
    }

    @Test
    void node_errors_are_relayed_as_they_are() {
        assertThatThrownBy(() -> openai().chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage("x").temperature(7).build()))
                .isInstanceOfSatisfying(com.openai.errors.BadRequestException.class,
                        e -> assertThat(e.param()).contains("temperature"));
    }
}
