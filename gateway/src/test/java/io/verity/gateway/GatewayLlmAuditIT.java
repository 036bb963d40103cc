package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.models.chat.completions.ChatCompletion;
import io.verity.gateway.evidence.EvidenceLog;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.node.fixture.LlmNodes;
import io.verity.node.fixture.OpenAiSdk;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.ReceiptVerdict;
import java.math.BigInteger;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Language-model redundancy, audits and a broken stream among honest nodes (see {@link LlmPolicyNetwork}).
 * Every test starts with the engines up: the broken-stream test kills the cheap node's llama.cpp child.
 */
class GatewayLlmAuditIT extends LlmPolicyNetwork {
    @RegisterExtension static final LocalNetwork net = network(false);

    @BeforeEach
    void enginesUp() {
        LlmNodes.awaitUp(cheapLlm, dearLlm);
        gateway.refreshNow();
    }

    @Test
    void redundant_2_streams_the_agreed_answer_with_every_agreeing_receipt() {
        OpenAiSdk.Streamed streamed = OpenAiSdk.stream(openai(),
                greedy("Hello").putAdditionalHeader("Verity-Policy", "redundant:2").build());
        assertThat(streamed.content()).hasSize(TOKENS);
        JsonNode verity = streamed.verity();
        assertThat(verity.at("/verdict/status").asText()).isEqualTo("agreed"); // the liar is quarantined
        assertThat(verity.get("receipts")).hasSize(2);
        assertThat(verity.get("payments")).hasSize(2);
        assertThat(ReceiptJson.read(verity.get("receipt"), "").verify(domain())).isInstanceOf(ReceiptVerdict.Verified.class);
    }

    @Test
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

    @Test
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
}
