package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.ChainConnection;
import io.verity.chain.contracts.CommitteeClient;
import io.verity.chain.contracts.CommitteeDispute;
import io.verity.chain.contracts.ComparisonRule;
import io.verity.chain.contracts.ModelRegistryClient;
import io.verity.chain.devnet.DeployParams;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.node.Faults;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A gateway files committee disputes itself (issue 18): four ONNX Runtime nodes serve Silero VAD under a tolerance
 * rule; node 1 perturbs every answer and is the cheapest, so routing prefers it. Under {@code sample:0.1} the first
 * audit that reaches it finds the mismatch; the gateway disputes that receipt before a committee of the other nodes,
 * serving the evidence itself, and the committee convicts. How many requests that took is printed.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class CommitteeFeedIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final BigInteger PRICE = BigInteger.TEN.pow(12);
    static final int LIAR = 1;

    @RegisterExtension static final LocalNetwork net = LocalNetwork.builder().nodes(4).batching(1, Duration.ofMillis(100))
            .node((i, c) -> i != LIAR ? c.withPrice(PRICE) : c.withPrice(PRICE.divide(BigInteger.TEN))
                    .withFaults(Faults.NONE.withPerturb(1.0))
                    // stake enough to stay active after Settlement slashes its equivocation, so it keeps settling
                    .withChainSettings(c.chain().orElseThrow().withStake(DeployParams.ETHER.multiply(BigInteger.valueOf(4)))))
            // by price alone: the liar is the cheapest, so every request goes to it first (the client's worst case)
            .gateway(g -> g.routing("latency=0,price=1,reputation=0")).build();
    static final HttpClient http = HttpClient.newHttpClient();

    static JsonNode send(java.net.URI uri, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
        b = body == null ? b.GET() : b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("%s: %s", uri, new String(r.body())).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void a_lying_ort_node_caught_by_sampling_is_disputed_by_the_gateway_and_slashed_by_the_committee() throws Exception {
        EvmAddress liar = net.node(LIAR).address();
        // the model's rule, as its owner (the deployer) sets it: without one no committee can judge
        Keccak256 model = Keccak256.hash(java.nio.file.Files.readAllBytes(io.verity.node.fixture.StakedNodes.vadFile()));
        try (ChainConnection owner = net.chain().connect(0)) {
            new ModelRegistryClient(owner, net.chain().deployment().modelRegistry())
                    .register(model, "npm:@ricky0123/vad-web", "silero-vad", "5", ComparisonRule.Tolerance.of(1e-6, 1e-5)).confirmed();
        }

        int requests = 0;
        Optional<JsonNode> caught = Optional.empty();
        while (caught.isEmpty()) {
            assertThat(requests).as("requests before an audit caught the liar").isLessThan(200);
            send(net.gateway().url().resolve("/v1/infer"), GatewayIT.vadRequest("sample:0.1"));
            requests++;
            caught = auditMismatch(liar); // audits run after the answer: one may be caught a request or two later
        }
        SignedReceipt accused = ReceiptJson.read(caught.get().get("accused").get(0), "/accused/0");

        try (ChainConnection reader = net.chain().connect(0)) {
            CommitteeClient disputes = new CommitteeClient(reader, net.chain().deployment().requireCommitteeDisputes());
            CommitteeDispute end = await("the gateway's committee dispute on " + accused.id() + " resolved")
                    .atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                    .until(() -> find(disputes, accused.id()), d -> d.isPresent() && d.get().state().finished()).orElseThrow();
            assertThat(end.state()).isEqualTo(CommitteeDispute.State.CHALLENGER_WON);
            assertThat(end.challenger()).isEqualTo(net.gateway().clientAccount().orElseThrow());
            assertThat(end.inputsUri().toString()).startsWith(net.gateway().url().toString());
            assertThat(disputes.committee(end.id())).hasSize(3).doesNotContain(liar);
            assertThat(disputes.convicted(accused.id())).isTrue();
            System.out.printf("committee feed: the liar was caught by sample:0.1 after %d request(s) and convicted by "
                    + "committee dispute %d%n", requests, end.id());
        }
    }

    /** The audit-mismatch evidence against {@code liar}, if the gateway recorded one. */
    static Optional<JsonNode> auditMismatch(EvmAddress liar) throws Exception {
        for (JsonNode e : send(net.gateway().url().resolve("/v1/evidence"), null).get("evidence")) {
            if (e.get("kind").asText().equals("audit-mismatch") && e.get("node").asText().equalsIgnoreCase(liar.toString())) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    static Optional<CommitteeDispute> find(CommitteeClient disputes, Keccak256 receipt) {
        for (long id = disputes.disputeCount() - 1; id >= 0; id--) {
            CommitteeDispute d = disputes.dispute(id);
            if (d.receiptId().equals(receipt)) return Optional.of(d);
        }
        return Optional.empty();
    }
}
