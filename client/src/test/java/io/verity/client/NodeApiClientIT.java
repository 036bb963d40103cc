package io.verity.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.node.fixture.StakedNodes;
import io.verity.node.fixture.VadNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import io.verity.protocol.wire.FailureSource;
import io.verity.testing.RealInputs;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The typed client of the node API against a real node (Silero VAD v5, no chain): every route it wraps. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeApiClientIT {
    @RegisterExtension static final VadNode node = VadNode.of();
    static NodeApiClient api;
    static final List<Tensor> INPUTS = RealInputs.sileroVadV5(3);

    @BeforeAll
    static void connect() {
        api = NodeApiClient.of(node.url(), Duration.ofSeconds(20));
    }

    @AfterAll
    static void disconnect() {
        if (api != null) api.close();
    }

    @Test
    void infers_and_fetches_the_same_receipt_back() {
        Keccak256 id = Keccak256.hash(new byte[] {1, 2, 3});
        NodeApiClient.Answer a = api.infer(StakedNodes.VAD, INPUTS, Optional.of(id));
        assertThat(a.receipt().receipt().requestId()).isEqualTo(id);
        assertThat(a.receipt().receipt().inputsDigest()).isEqualTo(TensorDigests.tensorsDigest(INPUTS));
        assertThat(a.outputs()).isNotEmpty();
        Optional<SignedReceipt> back = api.receipt(a.receipt().id());
        assertThat(back).contains(a.receipt());
    }

    @Test
    void an_unknown_receipt_and_an_unsettled_proof_are_empty() {
        assertThat(api.receipt(Keccak256.ZERO)).isEmpty();
        SignedReceipt r = api.infer(StakedNodes.VAD, INPUTS, Optional.empty()).receipt();
        assertThat(api.proof(r.id())).isEmpty(); // no chain: never settled
        assertThat(api.batch(Keccak256.ZERO)).isEmpty();
    }

    @Test
    void reads_models_and_health() {
        assertThat(api.models().path("models").get(0).path("name").asText()).isEqualTo(StakedNodes.VAD);
        assertThat(api.health().path("node").asText()).isEqualTo(node.address().toString());
    }

    @Test
    void a_refusal_carries_the_nodes_problem_with_its_field_errors_and_source() {
        ObjectNode body = NodeApiClient.JSON.createObjectNode().put("model", StakedNodes.VAD).put("inputs", 7);
        ProblemException e = catchThrowableOfType(ProblemException.class, () -> api.infer(body));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.problem().slug()).isEqualTo("invalid-request");
        assertThat(e.problem().source()).isEqualTo(FailureSource.REQUEST);
        assertThat(e.errors()).containsExactly(new FieldError("/inputs", "required: an array of tensors {name, dtype, shape, data}"));
        ProblemException noChain = catchThrowableOfType(ProblemException.class, () -> api.channel(EvmAddress.ZERO));
        assertThat(noChain.problem().slug()).isEqualTo("no-chain");
    }

    @Test
    void a_dead_port_is_unreachable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (NodeApiClient dead = NodeApiClient.of(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(2))) {
            assertThat(catchThrowableOfType(UnreachableException.class, dead::health)).isNotNull();
        }
    }
}
