package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.gateway.fixture.LocalNetwork;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Language-model failover with no node left: the two cheaper nodes are closed and the dearest sends no first
 * token within the request timeout (see {@link LlmPolicyNetwork}).
 */
class GatewayLlmNoAnswerIT extends LlmPolicyNetwork {
    @RegisterExtension static final LocalNetwork net = network(false);

    @Test
    void a_node_that_sends_no_first_token_in_time_is_abandoned_and_with_none_left_the_client_gets_a_502_listing_the_attempts()
            throws Exception {
        cheap.close();
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
