package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.llm.EmbeddingDigests;
import io.verity.node.Faults;
import io.verity.node.InferenceNode;
import io.verity.node.fixture.EmbeddingNode;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code redundant:2} on embeddings catches a liar by the model's tolerance (issue 17): three ONNX Runtime nodes,
 * node 1, the cheapest and so asked first, lying (test-only {@link Faults#perturb()}: it signs vectors moved by
 * 0.05-0.1 %, beyond the default relative tolerance 1e-4). Its answer splits the first quorum, the third node
 * breaks the tie, the liar is recorded and quarantined; the next request gets two honest answers that agree and
 * match LangChain4j's in-process model (cosine >= 0.9999). Bit-exact agreement of deterministic-engine nodes:
 * {@code EngineAndLiveModelsIT}.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class GatewayEmbeddingsLiarIT {
    @RegisterExtension static final LocalNetwork net = LocalNetwork.builder().nodes(3).withoutVad().clientAccount(4)
            .node((i, c) -> {
                c = c.withPrice(GatewayEmbeddingsIT.PRICE_PER_TOKEN.multiply(BigInteger.valueOf(i)));
                return i == 1 ? c.withFaults(new Faults(1, Duration.ZERO)) : c;
            })
            .starter((i, c) -> {
                EmbeddingNode.install(c.home());
                return InferenceNode.start(c);
            }).build();
    @AutoClose static final HttpClient http = HttpClient.newHttpClient();

    static JsonNode redundant(List<String> texts) throws Exception {
        return GatewayEmbeddingsIT.post(http, net.gateway(), "{\"model\":\"" + GatewayEmbeddingsIT.MODEL + "\",\"input\":[\""
                + String.join("\",\"", texts) + "\"]}", "redundant:2");
    }

    @Test
    void a_lying_node_is_outvoted_by_the_tolerance_then_two_honest_nodes_agree() throws Exception {
        JsonNode first = redundant(List.of("Outvote the liar"));
        JsonNode verdict = first.at("/verity/verdict");
        assertThat(verdict.get("status").asText()).as("%s", verdict).isEqualTo("majority");
        assertThat(verdict.get("asked").asInt()).isEqualTo(3);
        assertThat(verdict.at("/dissent/0/node").asText()).isEqualTo(net.node(1).address().toString());
        assertThat(verdict.get("comparison").asText()).matches("bit-exact|tolerance:.*"); // the two honest answers
        GatewayEmbeddingsIT.checked(first, net);
        assertThat(net.gateway().evidence()).anyMatch(e -> e.node().equals(net.node(1).address()));

        List<String> texts = List.of("Hello world", "Crème brûlée à la café: naïve façade.");
        JsonNode answer = redundant(texts);
        GatewayEmbeddingsIT.checked(answer, net);
        JsonNode verity = answer.get("verity");
        assertThat(verity.at("/verdict/status").asText()).as("%s", verity.get("verdict")).isEqualTo("agreed");
        assertThat(verity.at("/verdict/comparison").asText()).matches("bit-exact|tolerance:.*");
        List<SignedReceipt> receipts = new ArrayList<>();
        verity.get("receipts").forEach(r -> receipts.add(ReceiptJson.read(r, "")));
        assertThat(receipts).hasSize(2).noneMatch(r -> r.receipt().node().equals(net.node(1).address()));
        float[] v = EmbeddingDigests.outputs(answer).get(0).floats();
        for (int i = 0; i < texts.size(); i++) {
            assertThat(GatewayEmbeddingsIT.cosine(Arrays.copyOfRange(v, i * 384, (i + 1) * 384), GatewayEmbeddingsIT.reference(texts.get(i))))
                    .as(texts.get(i)).isGreaterThanOrEqualTo(GatewayEmbeddingsIT.COSINE);
        }
    }
}
