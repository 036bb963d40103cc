package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.models.chat.completions.ChatCompletion;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.node.fixture.OpenAiSdk;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Language-model failover: the cheapest node is closed, still listed healthy (no refresh), and its requests go
 * to the next (see {@link LlmPolicyNetwork}). Closing is idempotent, so either test may run first.
 */
class GatewayLlmFailoverIT extends LlmPolicyNetwork {
    @RegisterExtension static final LocalNetwork net = network(false);

    @Test
    void a_node_killed_before_the_first_token_is_replaced_and_the_client_streams_a_whole_answer_paid_once() throws Exception {
        BigInteger dearBefore = held(dear);
        cheap.close(); // routing still ranks it first: cheapest, unquarantined, listed healthy
        OpenAiSdk.Streamed streamed = OpenAiSdk.stream(openai(), greedy("Hello").build());
        assertThat(streamed.content()).hasSize(TOKENS);
        JsonNode verity = streamed.verity();
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
    void a_dead_node_is_also_replaced_for_a_non_streamed_answer() {
        cheap.close(); // routing still ranks it first: cheapest, unquarantined, listed healthy
        ChatCompletion c = openai().chat().completions().create(greedy("Hi there").build());
        JsonNode verity = tree(c._additionalProperties().get("verity"));
        assertThat(c.choices().get(0).message().content().orElseThrow()).hasSize(TOKENS);
        assertThat(verity.at("/attempts/0/outcome").asText()).isIn("connect-error", "io-error");
        assertThat(verity.at("/payment/node").asText()).isEqualTo(dear.address().toString());
    }
}
