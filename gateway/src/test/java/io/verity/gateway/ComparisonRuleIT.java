package io.verity.gateway;

import static io.verity.gateway.GatewayIT.receipts;
import static io.verity.gateway.GatewayIT.vadRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.ChainConnection;
import io.verity.chain.contracts.ComparisonRule;
import io.verity.chain.contracts.ModelRegistryClient;
import io.verity.gateway.GatewayIT.Response;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.gateway.routing.NodeState;
import io.verity.gateway.tensor.Tolerance;
import io.verity.node.Faults;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.SignedReceipt;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A model's comparison rule in ModelRegistry decides, at the gateway, whether two ONNX Runtime answers agree
 * under {@code redundant:2}: node 2 adds noise (about 1e-3 relative) to every output, which the gateway's
 * default tolerance and a bit-exact rule refuse and a loose on-chain tolerance accepts.
 */
class ComparisonRuleIT {
    @RegisterExtension static final LocalNetwork net = LocalNetwork.builder().nodes(2)
            .node((i, c) -> i == 2 ? c.withFaults(Faults.NONE.withPerturb(1)) : c).build();
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterAll
    static void stop() {
        http.close();
    }

    @Test
    void the_models_on_chain_rule_decides_whether_noisy_answers_agree() throws Exception {
        Keccak256 vad = net.gateway().nodes().stream().flatMap(n -> n.served().stream())
                .filter(m -> m.name().equals("silero-vad")).map(NodeState.ServedModel::digest).findFirst().orElseThrow();
        assertThat(net.gateway().rules().toleranceFor("silero-vad", vad)).as("no rule on chain: the configured one")
                .isEqualTo(Tolerance.DEFAULT);
        try (ChainConnection owner = net.chain().connect(0)) {
            ModelRegistryClient models = new ModelRegistryClient(owner, net.chain().deployment().modelRegistry());
            models.register(vad, "http://hub/silero-vad.json", "silero-vad", "5", ComparisonRule.Tolerance.of(0.01, 0.01))
                    .confirmed();
            net.gateway().refreshNow();
            assertThat(net.gateway().rules().toleranceFor("silero-vad")).as("by name, as the OpenAI routes ask")
                    .isEqualTo(new Tolerance(0.01, 0.01));
            Response loose = GatewayIT.post(http, net.gateway(), vadRequest("redundant:2"));
            assertThat(loose.status()).as("%s", loose.body()).isEqualTo(200);
            List<SignedReceipt> rs = receipts(loose.body());
            assertThat(rs).hasSize(2);
            assertThat(rs.get(0).receipt().outputsDigest()).as("node 2's noise").isNotEqualTo(rs.get(1).receipt().outputsDigest());
            assertThat(loose.body().get("verdict").get("status").asText()).isEqualTo("agreed");
            assertThat(loose.body().get("verdict").get("comparison").asText()).isEqualTo("tolerance:abs=0.01,rel=0.01");

            models.setRule(vad, ComparisonRule.BIT_EXACT).confirmed();
            net.gateway().refreshNow();
            assertThat(net.gateway().rules().toleranceFor("silero-vad@5", vad)).isEqualTo(Tolerance.BIT_EXACT);
            Response exact = GatewayIT.post(http, net.gateway(), vadRequest("redundant:2"));
            assertThat(exact.status()).as("%s", exact.body()).isEqualTo(502);
            assertThat(exact.body().get("type").asText()).endsWith("no-majority");
        }
    }
}
