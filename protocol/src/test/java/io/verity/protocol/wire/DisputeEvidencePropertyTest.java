package io.verity.protocol.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.StrictJson;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** The committee evidence document: what a challenger writes, a member reads back to the same digests. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DisputeEvidencePropertyTest {
    static List<Tensor> tensors(String prefix, List<List<Float>> values) {
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            float[] f = new float[values.get(i).size()];
            for (int j = 0; j < f.length; j++) f[j] = values.get(i).get(j);
            out.add(Tensor.ofFloats(prefix + i, Shape.of(f.length), f));
        }
        return out;
    }

    @Property(tries = 200)
    void written_evidence_reads_back_with_the_same_digests(@ForAll @Size(max = 3) List<@Size(max = 8) List<Float>> in,
            @ForAll @Size(max = 3) List<@Size(max = 8) List<Float>> out) {
        DisputeEvidence e = new DisputeEvidence(tensors("in", in), tensors("out", out));
        byte[] text = e.write().toString().getBytes(StandardCharsets.UTF_8);
        DisputeEvidence back = DisputeEvidence.read(StrictJson.standard().read(text));
        assertThat(back.mismatch(TensorDigests.tensorsDigest(e.inputs()), TensorDigests.tensorsDigest(e.outputs()))).isEmpty();
    }

    @Test
    void a_document_without_outputs_is_refused_naming_the_member() {
        assertThatThrownBy(() -> DisputeEvidence.read(StrictJson.standard().read("{\"inputs\": []}".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(InvalidFieldException.class).hasMessageContaining("/outputs");
    }
}
