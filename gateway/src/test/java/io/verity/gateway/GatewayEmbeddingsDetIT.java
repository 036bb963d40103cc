package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.engine.det.DeterministicEngine;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.llm.EmbeddingDigests;
import io.verity.node.InferenceNode;
import io.verity.node.fixture.EmbeddingNode;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.SignedReceipt;
import java.net.http.HttpClient;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 17's "done when": nodes on the deterministic engine serve all-MiniLM-L6-v2 embeddings bit-exactly under
 * {@code redundant:2}: the two receipts sign one outputs digest, the gateway's comparison says so, and the vectors
 * still match LangChain4j's in-process model (cosine >= 0.9999).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class GatewayEmbeddingsDetIT {
    @RegisterExtension static final LocalNetwork net = LocalNetwork.builder().nodes(2).withoutVad().clientAccount(4)
            .node((i, c) -> c.withPrice(GatewayEmbeddingsIT.PRICE_PER_TOKEN))
            .starter((i, c) -> {
                EmbeddingNode.install(c.home());
                return InferenceNode.start(c, DeterministicEngine.create(2, false), InstantSource.system());
            }).build();
    @AutoClose static final HttpClient http = HttpClient.newHttpClient();

    @Test
    void two_deterministic_nodes_agree_bit_for_bit_under_redundant_2() throws Exception {
        List<String> texts = List.of("Hello world", "Crème brûlée à la café: naïve façade.");
        JsonNode answer = GatewayEmbeddingsIT.post(http, net.gateway(), "{\"model\":\"" + GatewayEmbeddingsIT.MODEL
                + "\",\"input\":[\"" + String.join("\",\"", texts) + "\"]}", "redundant:2");
        GatewayEmbeddingsIT.checked(answer, net);
        JsonNode verity = answer.get("verity");
        assertThat(verity.at("/verdict/status").asText()).as("%s", verity.get("verdict")).isEqualTo("agreed");
        assertThat(verity.at("/verdict/comparison").asText()).isEqualTo("bit-exact");
        List<SignedReceipt> receipts = new java.util.ArrayList<>();
        verity.get("receipts").forEach(r -> receipts.add(ReceiptJson.read(r, "")));
        assertThat(receipts).hasSize(2).allSatisfy(r -> assertThat(r.receipt().engine()).startsWith("verity-det/"));
        assertThat(receipts.get(0).receipt().outputsDigest()).isEqualTo(receipts.get(1).receipt().outputsDigest())
                .isEqualTo(EmbeddingDigests.response(answer));
        float[] v = EmbeddingDigests.outputs(answer).get(0).floats();
        for (int i = 0; i < texts.size(); i++) {
            assertThat(GatewayEmbeddingsIT.cosine(Arrays.copyOfRange(v, i * 384, (i + 1) * 384), GatewayEmbeddingsIT.reference(texts.get(i))))
                    .as(texts.get(i)).isGreaterThanOrEqualTo(GatewayEmbeddingsIT.COSINE);
        }
    }
}
