package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.llm.LlmEngine;
import io.verity.node.InferenceNode;
import io.verity.node.fixture.LlmNodes;
import io.verity.testing.Processes;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, item 1, through the gateway: one poison chat request, sent once, aborted the worker of every node the
 * gateway failed over to. Two staked nodes serve the tiny GGUF; routing by price asks the cheap one first. A
 * poison request is now refused by the first node as the request's fault and relayed at once (one attempt, no
 * failover, both workers alive); a node whose worker is down answers 503 of its engine, the gateway fails over and
 * stops routing that model to it until a health check sees the engine up again.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class GatewayPoisonIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL = LlmNodes.TINY_LLAMA;

    static LlmEngine cheapLlm;
    static LlmEngine dearLlm;
    /** Two llama.cpp nodes: node 1 cheap (its engine backs off 3 to 6 s after a failure), node 2 twice as dear. */
    @RegisterExtension static final LocalNetwork net = LocalNetwork.builder().nodes(2).withoutVad().clientAccount(4)
            .node((i, c) -> c.withPrice(BigInteger.valueOf(i).multiply(BigInteger.TEN.pow(9))))
            .starter((i, c) -> {
                Path gguf = LlmNodes.tinyLlama(c.home());
                LlmEngine llm = i == 1
                        ? (cheapLlm = LlmEngine.start(gguf, LlmEngine.Options.defaults(1, null).withBackoff(Duration.ofSeconds(3), Duration.ofSeconds(6))))
                        : (dearLlm = LlmEngine.start(gguf, 1, null));
                return LlmNodes.start(c, llm);
            })
            .gateway(g -> g.routing("latency=0,price=1,reputation=0").refreshInterval(Duration.ofHours(1))).build();
    static InferenceNode cheap;
    static InferenceNode dear;
    static Gateway gateway;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        cheap = net.node(1);
        dear = net.node(2);
        gateway = net.gateway();
        http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            gateway.refreshNow();
            return get("/v1/models").at("/data/0/verity_nodes").size() == 2;
        });
    }

    @AfterAll
    static void stop() {
        if (http != null) http.close();
    }

    static JsonNode get(String path) throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(gateway.url().resolve(path)).build(), HttpResponse.BodyHandlers.ofString())
                .body());
    }

    static HttpResponse<String> chat(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/chat/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static final String CHAT = "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":8,"
            + "\"temperature\":0%s}";

    static List<String> askedNodes(JsonNode attempts) {
        List<String> out = new ArrayList<>();
        attempts.forEach(a -> out.add(a.get("node").asText() + " " + a.get("outcome").asText()));
        return out;
    }

    /** Each test starts with both engines up and routed, whatever ran before it. */
    @BeforeEach
    void bothEnginesUp() {
        LlmNodes.awaitUp(cheapLlm, dearLlm);
        gateway.refreshNow();
    }

    @Test
    void a_poison_request_is_the_clients_problem_after_one_attempt_and_kills_no_worker() throws Exception {
        long cheapPid = cheapLlm.workerPid().orElseThrow(), dearPid = dearLlm.workerPid().orElseThrow();
        String rf = ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":%s}}";
        List<String> poisons = List.of(
                CHAT.formatted(rf.formatted("{\"type\":\"nonsense\"}")),
                CHAT.formatted(rf.formatted("{\"type\":\"string\",\"minLength\":2000000000}")),
                CHAT.formatted(rf.formatted("{\"$ref\":\"#/$defs/a\",\"$defs\":{\"a\":{\"items\":{\"$ref\":\"#/$defs/a\"}}}}")),
                CHAT.formatted(",\"stream\":true" + rf.formatted("{\"type\":\"string\",\"pattern\":\"[\"}")),
                CHAT.formatted("").replace("\"Hi\"", "\"" + "x".repeat(3000) + "\""));
        for (String p : poisons) {
            HttpResponse<String> r = chat(p);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.get("source").asText()).isEqualTo("request");
            assertThat(body.get("retryable").asBoolean()).isFalse();
            assertThat(body.at("/error/message").asText()).isNotBlank();
            assertThat(askedNodes(body.get("attempts"))).as(r.body()).containsExactly(cheap.address() + " http-400");
        }
        // a body the gateway itself refuses never reaches a node
        HttpResponse<String> surrogate = chat("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"\\ud800\"}]}");
        assertThat(surrogate.statusCode()).as(surrogate.body()).isEqualTo(400);
        assertThat(JSON.readTree(surrogate.body()).at("/error/param").asText()).isEqualTo("messages.0.content");
        HttpResponse<String> plain = http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/chat/completions"))
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(CHAT.formatted(""))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(plain.statusCode()).isEqualTo(415);
        assertThat(cheapLlm.workerPid().orElseThrow()).isEqualTo(cheapPid);
        assertThat(dearLlm.workerPid().orElseThrow()).isEqualTo(dearPid);
        HttpResponse<String> ok = chat(CHAT.formatted(""));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(askedNodes(JSON.readTree(ok.body()).at("/verity/attempts"))).containsExactly(cheap.address() + " ok");
    }

    @Test
    void a_node_whose_engine_is_down_is_failed_over_and_not_routed_that_model_until_its_engine_is_up() throws Exception {
        long pid = cheapLlm.workerPid().orElseThrow();
        Processes.kill(pid);
        await().atMost(Duration.ofSeconds(10)).until(() -> cheapLlm.state() != LlmEngine.State.UP);
        // the gateway has not checked health since: it asks the cheap node, gets 503 (engine), and fails over
        HttpResponse<String> first = chat(CHAT.formatted(""));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(askedNodes(JSON.readTree(first.body()).at("/verity/attempts")))
                .containsExactly(cheap.address() + " http-503", dear.address() + " ok");
        // from then on the cheap node is not asked for this model
        HttpResponse<String> second = chat(CHAT.formatted(""));
        assertThat(askedNodes(JSON.readTree(second.body()).at("/verity/attempts"))).containsExactly(dear.address() + " ok");
        gateway.refreshNow();
        if (cheapLlm.state() != LlmEngine.State.UP) {
            assertThat(get("/v1/models").at("/data/0/verity_nodes").toString()).doesNotContain(cheap.address().toString());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> cheapLlm.state() == LlmEngine.State.UP);
        gateway.refreshNow();
        assertThat(get("/v1/models").at("/data/0/verity_nodes").size()).isEqualTo(2);
        HttpResponse<String> back = chat(CHAT.formatted(""));
        assertThat(askedNodes(JSON.readTree(back.body()).at("/verity/attempts"))).containsExactly(cheap.address() + " ok");
    }
}
