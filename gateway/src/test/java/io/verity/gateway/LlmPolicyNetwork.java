package io.verity.gateway;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.verity.chain.fixture.LocalChain;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.llm.LlmEngine;
import io.verity.node.Faults;
import io.verity.node.InferenceNode;
import io.verity.node.fixture.LlmNodes;
import io.verity.node.fixture.OpenAiSdk;
import io.verity.protocol.receipt.Eip712Domain;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;

/**
 * Issue 7, the gateway side: policies and failover for language models on the shared local chain. Staked nodes
 * serve the same tiny GGUF, each in its own llama.cpp child, priced so that price-led routing (no latency, no
 * reputation) asks them in a known order: with a liar, the cheapest one lies on every answer ({@link
 * Faults#perturb()} = 1: it samples at temperature 1 with a fresh seed and signs the request's settings), the
 * worst case for a client; then cheap, dear and slow (the dearest, which sends no token for longer than the
 * request timeout). The gateway has no periodic refresh: a killed node stays listed as healthy, as it would
 * between two health checks. Each subclass is one network; the official openai-java client talks to its gateway.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
abstract class LlmPolicyNetwork {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL = LlmNodes.TINY_LLAMA;
    static final int TOKENS = 12;
    static final BigInteger GWEI = BigInteger.TEN.pow(9);

    // the class's network, set when it has started (test classes run one at a time)
    static LocalChain devnet;
    static InferenceNode liar;
    static InferenceNode cheap;
    static InferenceNode dear;
    static InferenceNode slow;
    static LlmEngine cheapLlm;
    static LlmEngine dearLlm;
    /** The cheap node's llama.cpp child process, killed mid-answer by one test. */
    static List<ProcessHandle> cheapLlama;
    static Gateway gateway;
    static HttpClient http;

    /** {@code withLiar}: liar (1 gwei/token), cheap (2), dear (3), slow (4); without: cheap, dear, slow. */
    static LocalNetwork network(boolean withLiar) {
        int first = withLiar ? 0 : 1; // price rank of node 1
        return LocalNetwork.builder().nodes(withLiar ? 4 : 3).withoutVad()
                .node((i, c) -> {
                    int rank = i - 1 + first; // 0 liar, 1 cheap, 2 dear, 3 slow
                    c = c.withPrice(GWEI.multiply(BigInteger.valueOf(rank + 1)));
                    if (rank == 0) return c.withFaults(new Faults(1, Duration.ZERO));
                    if (rank == 3) return c.withFaults(new Faults(0, Duration.ofSeconds(6)));
                    return c;
                })
                .starter((i, c) -> {
                    int rank = i - 1 + first;
                    Path gguf = LlmNodes.tinyLlama(c.home());
                    LlmEngine llm = LlmEngine.start(gguf, 1, null);
                    if (rank == 1) {
                        cheapLlm = llm;
                        // its worker and what that started (the nodes start at once: not every new process is its)
                        ProcessHandle worker = ProcessHandle.of(llm.workerPid().orElseThrow()).orElseThrow();
                        cheapLlama = java.util.stream.Stream.concat(java.util.stream.Stream.of(worker), worker.descendants()).toList();
                    }
                    if (rank == 2) dearLlm = llm;
                    return LlmNodes.start(c, llm);
                })
                .gateway(g -> g.routing("latency=0,price=1,reputation=0").refreshInterval(Duration.ofHours(1))
                        .requestTimeout(Duration.ofSeconds(3)))
                .whenStarted(net -> attach(net, withLiar)).build();
    }

    /** Points the helpers at {@code net}, once the gateway lists every node with its language model. */
    private static void attach(LocalNetwork net, boolean withLiar) throws Exception {
        devnet = net.chain();
        List<InferenceNode> nodes = net.nodes();
        int at = 0;
        liar = withLiar ? nodes.get(at++) : null;
        cheap = nodes.get(at++);
        dear = nodes.get(at++);
        slow = nodes.get(at);
        gateway = net.gateway();
        http = HttpClient.newHttpClient();
        // the nodes register their language model on their first contact with the chain
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            gateway.refreshNow();
            return get(gateway.url(), "/v1/models").at("/data/0/verity_nodes").size() == nodes.size();
        });
    }

    @AfterAll
    static void closeHttp() {
        if (http != null) http.close();
    }

    static JsonNode get(URI base, String path) throws Exception {
        return OpenAiClients.get(http, base, path);
    }

    static OpenAIClient openai() {
        return OpenAiClients.openai(gateway, Duration.ofSeconds(60));
    }

    static ChatCompletionCreateParams.Builder greedy(String prompt) {
        return ChatCompletionCreateParams.builder().model(MODEL).addUserMessage(prompt).temperature(0)
                .maxCompletionTokens(TOKENS);
    }

    static JsonNode tree(JsonValue v) {
        return OpenAiSdk.tree(v);
    }

    static Eip712Domain domain() {
        return Eip712Domain.verity(devnet.chainId(), devnet.deployment().settlement());
    }

    /** What the node holds from this gateway's client, once every voucher the gateway promised has arrived. */
    static BigInteger held(InferenceNode n) throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(gateway::paymentsDelivered);
        JsonNode v = get(n.url(), "/v1/vouchers/" + gateway.clientAccount().orElseThrow());
        return new BigInteger(v.path("cumulativeAmount").asText("0"));
    }
}
