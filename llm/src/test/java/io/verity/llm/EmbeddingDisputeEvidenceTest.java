package io.verity.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** The embeddings form of committee-dispute evidence: it round-trips, matches only its own receipt, reads strictly. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EmbeddingDisputeEvidenceTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectNode REQUEST = JSON.createObjectNode().put("model", "all-MiniLM-L6-v2").put("input", "Hello");
    static final ObjectNode APPLIED = JSON.createObjectNode().put("engine", "onnxruntime/1").put("max_tokens", 256);
    static final List<Tensor> OUTPUTS = EmbeddingDigests.outputs(new float[][] {{0.5f, -0.25f, 1e-7f}}, 3);
    static final EmbeddingDisputeEvidence EVIDENCE = new EmbeddingDisputeEvidence(REQUEST, APPLIED, OUTPUTS);
    static final Keccak256 IN = ChatDigests.request(EmbeddingDigests.PATH, REQUEST, APPLIED);
    static final Keccak256 OUT = TensorDigests.tensorsDigest(OUTPUTS);

    @Test
    void it_matches_the_receipt_whose_digests_the_embeddings_route_signs_and_round_trips() {
        assertThat(EVIDENCE.mismatch(IN, OUT)).isEmpty();
        assertThat(EmbeddingDisputeEvidence.isOne(EVIDENCE.write())).isTrue();
        EmbeddingDisputeEvidence back = EmbeddingDisputeEvidence.read(EVIDENCE.write());
        assertThat(back).isEqualTo(EVIDENCE);
        assertThat(back.mismatch(IN, OUT)).isEmpty();
    }

    @Test
    void another_request_other_settings_or_other_outputs_are_not_the_receipts() {
        ObjectNode other = REQUEST.deepCopy().put("input", "Hellp");
        assertThat(new EmbeddingDisputeEvidence(other, APPLIED, OUTPUTS).mismatch(IN, OUT)).get().asString()
                .contains("inputsDigest");
        ObjectNode applied = APPLIED.deepCopy().put("max_tokens", 128);
        assertThat(new EmbeddingDisputeEvidence(REQUEST, applied, OUTPUTS).mismatch(IN, OUT)).get().asString()
                .contains("inputsDigest");
        List<Tensor> moved = EmbeddingDigests.outputs(new float[][] {{0.5f, -0.25f, 2e-7f}}, 3);
        assertThat(new EmbeddingDisputeEvidence(REQUEST, APPLIED, moved).mismatch(IN, OUT)).get().asString()
                .contains("outputsDigest");
    }

    @Test
    void reading_names_the_member_that_is_missing_malformed_or_unknown() {
        ObjectNode doc = (ObjectNode) EVIDENCE.write();
        assertThatThrownBy(() -> EmbeddingDisputeEvidence.read(doc.deepCopy().without("applied")))
                .isInstanceOf(InvalidFieldException.class).hasMessageContaining("/applied");
        assertThatThrownBy(() -> EmbeddingDisputeEvidence.read(doc.deepCopy().put("request", "text")))
                .isInstanceOf(InvalidFieldException.class).hasMessageContaining("/request");
        assertThatThrownBy(() -> EmbeddingDisputeEvidence.read(doc.deepCopy().put("outputs", 1)))
                .isInstanceOf(InvalidFieldException.class).hasMessageContaining("/outputs");
        ObjectNode extra = doc.deepCopy();
        extra.putArray("inputs");
        assertThatThrownBy(() -> EmbeddingDisputeEvidence.read(extra))
                .isInstanceOf(InvalidFieldException.class).hasMessageContaining("/inputs");
        assertThatThrownBy(() -> EmbeddingDisputeEvidence.read(JSON.createArrayNode()))
                .isInstanceOf(InvalidFieldException.class);
    }

    @Test
    void the_evidence_cannot_be_changed_through_what_it_was_made_from_or_gives() {
        ObjectNode request = REQUEST.deepCopy();
        EmbeddingDisputeEvidence e = new EmbeddingDisputeEvidence(request, APPLIED, OUTPUTS);
        request.put("input", "changed");
        e.request().put("input", "changed too");
        assertThat(e.mismatch(IN, OUT)).isEmpty();
    }
}
