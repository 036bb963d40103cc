package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.verity.chain.devnet.Devnet;
import io.verity.engine.onnxruntime.OnnxRuntimeEngine;
import io.verity.engine.onnxruntime.OnnxRuntimeSettings;
import io.verity.gateway.evidence.EvidenceLog;
import io.verity.llm.LlmEngine;
import io.verity.llm.gguf.TinyLlama;
import io.verity.node.Faults;
import io.verity.node.InferenceNode;
import io.verity.node.NodeConfig;
import io.verity.node.settle.ChainSettings;
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
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7, the gateway side: policies and failover for language models on a local chain. Three staked nodes
 * serve the same tiny GGUF, each in its own llama.cpp child; the cheapest one lies on every answer
 * ({@link Faults#perturb()} = 1: it samples at temperature 1 with a fresh seed and signs the request's
 * settings), so price-led routing asks it first, the worst case for a client. The official openai-java
 * client talks to the gateway. The tests run in order: the liar is caught (and quarantined) first, then an
 * honest node is killed to show failover.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayLlmPoliciesIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL = "tiny-llama";
    static final int TOKENS = 12;

    @TempDir static Path dir;
    static Devnet devnet;
    static InferenceNode liar;
    static InferenceNode cheap;
    static InferenceNode dear;
    static InferenceNode slow;
    /** The cheap node's llama.cpp child process, killed mid-answer by one test. */
    static List<ProcessHandle> cheapLlama;
    static Gateway gateway;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        devnet = Devnet.builder().stateDir(dir.resolve("chain")).start();
        Path deploymentFile = dir.resolve("deployment.json");
        devnet.deployment().write(deploymentFile);
        Path gguf = dir.resolve("tiny.gguf");
        TinyLlama.write(gguf, 1);
        liar = node(deploymentFile, gguf, 1, BigInteger.TEN.pow(9), new Faults(1, Duration.ZERO));
        Set<ProcessHandle> before = ProcessHandle.current().descendants().collect(Collectors.toSet());
        cheap = node(deploymentFile, gguf, 2, BigInteger.TWO.multiply(BigInteger.TEN.pow(9)), Faults.NONE);
        cheapLlama = ProcessHandle.current().descendants().filter(p -> !before.contains(p)).toList();
        dear = node(deploymentFile, gguf, 3, BigInteger.valueOf(3).multiply(BigInteger.TEN.pow(9)), Faults.NONE);
        // the dearest: asked only when every other node failed; sends no token for longer than the request timeout
        slow = node(deploymentFile, gguf, 5, BigInteger.valueOf(4).multiply(BigInteger.TEN.pow(9)),
                new Faults(0, Duration.ofSeconds(6)));
        // No periodic refresh: a killed node stays listed as healthy, as it would between two health checks. Routing by
        // price alone, so which node is asked first does not depend on measured latencies.
        gateway = Gateway.start(GatewayConfig.builder(dir.resolve("gateway"), deploymentFile).routing("latency=0,price=1,reputation=0")
                .clientKey(devnet.account(4).privateKeyHex()).deposit(BigInteger.TEN.pow(18))
                .refreshInterval(Duration.ofHours(1)).requestTimeout(Duration.ofSeconds(3)).build());
        http = HttpClient.newHttpClient();
        // the nodes register (with their language model) on their first contact with the chain
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            gateway.refreshNow();
            return get(gateway.url(), "/v1/models").at("/data/0/verity_nodes").size() == 4;
        });
    }

    static InferenceNode node(Path deploymentFile, Path gguf, int account, BigInteger pricePerToken, Faults faults)
            throws Exception {
        NodeConfig config = NodeConfig.defaults(dir.resolve("node" + account)).withPrice(pricePerToken).withFaults(faults)
                .withChainSettings(ChainSettings.of(deploymentFile).withAccountKey(devnet.account(account).privateKeyHex())
                        .withBatching(64, Duration.ofMillis(500)).withMaxBackoff(Duration.ofMillis(500)));
        return InferenceNode.start(config, OnnxRuntimeEngine.create(OnnxRuntimeSettings.defaults()), InstantSource.system(),
                Map.of(MODEL, LlmEngine.start(gguf, 1, null)));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
        for (InferenceNode n : new InferenceNode[] {liar, cheap, dear, slow}) if (n != null) n.close();
        if (devnet != null) devnet.close();
        if (http != null) http.close();
    }

    static JsonNode get(URI base, String path) throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString())
                .body());
    }

    static OpenAIClient openai() {
        return OpenAIOkHttpClient.builder().baseUrl(gateway.url() + "/v1").apiKey("unused").maxRetries(0)
                .timeout(Duration.ofSeconds(60)).build();
    }

    static ChatCompletionCreateParams.Builder greedy(String prompt) {
        return ChatCompletionCreateParams.builder().model(MODEL).addUserMessage(prompt).temperature(0)
                .maxCompletionTokens(TOKENS);
    }

    static JsonNode tree(JsonValue v) {
        return com.openai.core.ObjectMappers.jsonMapper().valueToTree(v);
    }

    static Eip712Domain domain() {
        return Eip712Domain.verity(devnet.chainId(), devnet.deployment().settlement());
    }

    @Test
    @Order(1)
    void redundant_2_outvotes_a_node_that_answers_differently_records_the_dissent_and_pays_only_the_majority() throws Exception {
        ChatCompletion c = openai().chat().completions().create(greedy("Hello")
                .putAdditionalBodyProperty("verity", JsonValue.from(Map.of("policy", "redundant:2"))).build());
        JsonNode verity = tree(c._additionalProperties().get("verity"));
        // the liar and the cheap honest node split 1/1; the dear node breaks the tie
        assertThat(verity.at("/verdict/status").asText()).as("%s", verity.get("verdict")).isEqualTo("majority");
        assertThat(verity.at("/verdict/asked").asInt()).isEqualTo(3);
        assertThat(verity.at("/verdict/agreeing").asInt()).isEqualTo(2);
        assertThat(verity.at("/verdict/dissent/0/node").asText()).isEqualTo(liar.address().toString());
        // the majority answer is the greedy answer an honest node gives alone
        ChatCompletion alone = openai().chat().completions().create(greedy("Hello")
                .putAdditionalHeader("Verity-Policy", "none").build());
        assertThat(alone.choices().get(0).message().content()).isEqualTo(c.choices().get(0).message().content());
        assertThat(c.choices().get(0).message().content().orElseThrow()).hasSize(TOKENS);
        List<String> signers = new ArrayList<>();
        for (JsonNode r : verity.get("receipts")) {
            SignedReceipt receipt = ReceiptJson.read(r, "");
            assertThat(receipt.verify(domain())).isInstanceOf(ReceiptVerdict.Verified.class);
            signers.add(receipt.receipt().node().toString());
        }
        assertThat(signers).containsExactlyInAnyOrder(cheap.address().toString(), dear.address().toString());
        List<String> paid = new ArrayList<>();
        verity.get("payments").forEach(p -> paid.add(p.get("node").asText()));
        assertThat(paid).containsExactlyInAnyOrder(cheap.address().toString(), dear.address().toString());
        // the evidence log holds the liar's receipt against the majority's, and routing avoids it now
        JsonNode evidence = get(gateway.url(), "/v1/evidence").get("evidence");
        assertThat(evidence.toString()).contains(liar.address().toString());
        JsonNode minority = null;
        for (JsonNode e : evidence) if (e.get("kind").asText().equals("minority")) minority = e;
        assertThat(minority).isNotNull();
        assertThat(minority.get("node").asText()).isEqualTo(liar.address().toString());
        assertThat(minority.get("majority")).hasSize(2);
        assertThat(gateway.nodes().stream().filter(n -> n.address.equals(liar.address())).findFirst().orElseThrow()
                .quarantined(java.time.Instant.now())).isTrue();
        // re-asked once, the liar signs a second, different answer to the same request: equivocation, reported on chain
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(get(gateway.url(), "/v1/evidence")
                .get("evidence").toString()).contains("\"kind\":\"equivocation\""));
    }

    @Test
    @Order(2)
    void redundant_2_streams_the_agreed_answer_with_every_agreeing_receipt() {
        StringBuilder content = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = openai().chat().completions().createStreaming(greedy("Hello")
                .putAdditionalHeader("Verity-Policy", "redundant:2").build())) {
            s.stream().forEach(ch -> {
                chunks.add(ch);
                ch.choices().forEach(choice -> choice.delta().content().ifPresent(content::append));
            });
        }
        assertThat(content).hasSize(TOKENS);
        JsonNode verity = tree(chunks.getLast()._additionalProperties().get("verity"));
        assertThat(verity.at("/verdict/status").asText()).isEqualTo("agreed"); // the liar is quarantined
        assertThat(verity.get("receipts")).hasSize(2);
        assertThat(verity.get("payments")).hasSize(2);
        assertThat(ReceiptJson.read(verity.get("receipt"), "").verify(domain())).isInstanceOf(ReceiptVerdict.Verified.class);
    }

    @Test
    @Order(3)
    void tee_admits_only_attested_nodes_and_with_none_here_the_client_gets_a_503_naming_each() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json").header("Verity-Policy", "tee").POST(HttpRequest.BodyPublishers
                        .ofString("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                                + "\"max_tokens\":3}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        for (InferenceNode n : new InferenceNode[] {liar, cheap, dear, slow}) {
            assertThat(r.body()).contains(n.address() + ": attestation none");
        }
    }

    @Test
    @Order(3)
    void redundant_needs_a_reproducible_request_and_says_which_field() {
        assertThatThrownBy(() -> openai().chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage("Hello").maxCompletionTokens(4).putAdditionalHeader("Verity-Policy", "redundant:2").build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.param()).contains("seed");
                    assertThat(e.getMessage()).contains("temperature 0 (greedy) or a seed");
                });
        assertThatThrownBy(() -> openai().chat().completions().create(greedy("Hello")
                .putAdditionalBodyProperty("verity", JsonValue.from(Map.of("policy", "redundant:1"))).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("verity.policy"));
    }

    @Test
    @Order(4)
    void sample_1_audits_the_answer_on_another_node_and_both_are_paid() throws Exception {
        BigInteger dearBefore = held(dear);
        ChatCompletion c = openai().chat().completions().create(greedy("Audit me")
                .putAdditionalHeader("Verity-Policy", "sample:1").build());
        JsonNode verity = tree(c._additionalProperties().get("verity"));
        assertThat(verity.at("/verdict/status").asText()).isEqualTo("sampled");
        assertThat(verity.at("/verdict/audit").asText()).isEqualTo("scheduled");
        assertThat(verity.at("/payment/node").asText()).isEqualTo(cheap.address().toString());
        // the audit re-ran the request on the dear node (the liar is quarantined), agreed, and paid it its price
        BigInteger price = ReceiptJson.read(verity.get("receipt"), "").receipt().price();
        BigInteger dearPrice = price.divide(BigInteger.TWO).multiply(BigInteger.valueOf(3));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(held(dear)).isEqualTo(dearBefore.add(dearPrice)));
        assertThat(gateway.evidence()).noneMatch(e -> e.kind() == EvidenceLog.Kind.AUDIT_MISMATCH);
    }

    /** What the node holds from this gateway's client, once every voucher the gateway promised has arrived. */
    static BigInteger held(InferenceNode n) throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(gateway::paymentsDelivered);
        JsonNode v = get(n.url(), "/v1/vouchers/" + gateway.clientAccount().orElseThrow());
        return new BigInteger(v.path("cumulativeAmount").asText("0"));
    }

    @Test
    @Order(5)
    void a_stream_that_breaks_after_its_first_token_ends_with_an_error_event_and_nothing_is_paid() throws Exception {
        BigInteger cheapBefore = held(cheap);
        HttpResponse<java.util.stream.Stream<String>> r = http.send(HttpRequest.newBuilder(gateway.url()
                .resolve("/v1/chat/completions")).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers
                .ofString("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"Go on\"}],"
                        + "\"temperature\":0,\"max_tokens\":4096,\"stream\":true}")).build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(r.statusCode()).isEqualTo(200);
        List<JsonNode> events = new ArrayList<>();
        StringBuilder content = new StringBuilder();
        boolean done = false;
        for (String line : (Iterable<String>) r.body()::iterator) {
            if (!line.startsWith("data: ")) continue;
            if (line.equals("data: [DONE]")) {
                done = true;
                continue;
            }
            JsonNode e = JSON.readTree(line.substring(6));
            events.add(e);
            String token = e.at("/choices/0/delta/content").asText("");
            if (content.isEmpty() && !token.isEmpty()) cheapLlama.forEach(ProcessHandle::destroyForcibly); // the node's model dies
            content.append(token);
        }
        assertThat(done).isTrue();
        assertThat(content.length()).isBetween(1, 4095);
        JsonNode last = events.getLast();
        assertThat(last.at("/error/code").asText()).as("%s", last).isEqualTo("engine_failed"); // the node's own error event
        assertThat(events).noneMatch(e -> e.has("verity"));
        assertThat(held(cheap)).isEqualTo(cheapBefore); // no receipt, no payment
    }

    @Test
    @Order(6)
    void a_node_killed_before_the_first_token_is_replaced_and_the_client_streams_a_whole_answer_paid_once() throws Exception {
        BigInteger dearBefore = held(dear);
        cheap.close(); // routing still ranks it first: cheapest, unquarantined, listed healthy
        StringBuilder content = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = openai().chat().completions().createStreaming(greedy("Hello").build())) {
            s.stream().forEach(ch -> {
                chunks.add(ch);
                ch.choices().forEach(choice -> choice.delta().content().ifPresent(content::append));
            });
        }
        assertThat(content).hasSize(TOKENS);
        JsonNode verity = tree(chunks.getLast()._additionalProperties().get("verity"));
        JsonNode attempts = verity.get("attempts");
        assertThat(attempts).hasSize(2);
        assertThat(attempts.get(0).get("node").asText()).isEqualTo(cheap.address().toString());
        assertThat(attempts.get(0).get("outcome").asText()).isIn("connect-error", "io-error");
        assertThat(attempts.get(1).get("node").asText()).isEqualTo(dear.address().toString());
        assertThat(attempts.get(1).get("outcome").asText()).isEqualTo("ok");
        SignedReceipt receipt = ReceiptJson.read(verity.get("receipt"), "");
        assertThat(receipt.receipt().node()).isEqualTo(dear.address());
        assertThat(verity.at("/payment/node").asText()).isEqualTo(dear.address().toString());
        assertThat(new BigInteger(verity.at("/payment/amount").asText())).isEqualTo(receipt.receipt().price());
        assertThat(verity.has("payments")).isFalse(); // one payment, to the node that answered
        assertThat(held(dear)).isEqualTo(dearBefore.add(receipt.receipt().price()));
    }

    @Test
    @Order(7)
    void a_dead_node_is_also_replaced_for_a_non_streamed_answer() {
        ChatCompletion c = openai().chat().completions().create(greedy("Hi there").build());
        JsonNode verity = tree(c._additionalProperties().get("verity"));
        assertThat(c.choices().get(0).message().content().orElseThrow()).hasSize(TOKENS);
        assertThat(verity.at("/attempts/0/outcome").asText()).isIn("connect-error", "io-error");
        assertThat(verity.at("/payment/node").asText()).isEqualTo(dear.address().toString());
    }

    @Test
    @Order(8)
    void a_node_that_sends_no_first_token_in_time_is_abandoned_and_with_none_left_the_client_gets_a_502_listing_the_attempts()
            throws Exception {
        dear.close();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":0,"
                                + "\"max_tokens\":3,\"stream\":true}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.at("/error/code").asText()).isEqualTo("no_valid_answer");
        List<String> outcomes = new ArrayList<>();
        body.get("attempts").forEach(a -> outcomes.add(a.get("node").asText() + " " + a.get("outcome").asText()));
        assertThat(outcomes).containsExactly(cheap.address() + " connect-error", dear.address() + " connect-error",
                slow.address() + " timeout");
    }
}
