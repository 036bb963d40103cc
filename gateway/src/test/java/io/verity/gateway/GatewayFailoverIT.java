package io.verity.gateway;

import static io.verity.gateway.GatewayIT.receipts;
import static io.verity.gateway.GatewayIT.vadRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.verity.gateway.GatewayIT.Response;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.node.InferenceNode;
import io.verity.protocol.receipt.SignedReceipt;
import java.net.http.HttpClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link GatewayIT}'s network losing its cheapest node (the one routing prefers): a network of its own, so
 * GatewayIT's tests always see three nodes whatever their order.
 */
class GatewayFailoverIT {
    @RegisterExtension static final LocalNetwork net = GatewayIT.network();
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterAll
    static void stop() {
        http.close();
    }

    @Test
    void failsOverWhenANodeGoesAway() throws Exception {
        InferenceNode victim = net.node(1);
        victim.close();
        for (int i = 0; i < 6; i++) {
            Response r = GatewayIT.post(http, net.gateway(), vadRequest(null));
            assertThat(r.status()).as("request %d: %s", i, r.body()).isEqualTo(200);
            assertThat(receipts(r.body()).get(0).receipt().node()).isNotEqualTo(victim.address());
        }
        Response r = GatewayIT.post(http, net.gateway(), vadRequest("redundant:2"));
        assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
        for (SignedReceipt s : receipts(r.body())) assertThat(s.receipt().node()).isNotEqualTo(victim.address());
    }
}
