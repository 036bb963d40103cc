package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.node.InferenceNode;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Language-model policies against a node that lies on every answer and is the cheapest, so asked first (see
 * {@link LlmPolicyNetwork}): redundancy outvotes and quarantines it; requests the policies cannot serve are refused.
 */
class GatewayLlmPoliciesIT extends LlmPolicyNetwork {
    @RegisterExtension static final LocalNetwork net = network(true);

    @Test
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
}
