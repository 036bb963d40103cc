package io.verity.protocol.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import java.util.List;
import java.util.Optional;

/**
 * What a committee dispute's challenger serves at the dispute's inputs URI: {@code {"inputs": [...], "outputs": [...]}},
 * the request's input tensors and the accused answer's output tensors. It is content-addressed by the accused
 * receipt itself: a member uses it only when {@link #mismatch} finds both digests equal to the receipt's, so the
 * server (and whoever controls it) cannot change what is judged.
 */
public record DisputeEvidence(List<Tensor> inputs, List<Tensor> outputs) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public DisputeEvidence {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /**
     * Reads the document.
     *
     * @throws InvalidFieldException naming the member that is missing or malformed
     */
    public static DisputeEvidence read(JsonNode root) {
        if (root == null || !root.isObject()) throw new InvalidFieldException("", "must be an object {inputs, outputs}");
        for (String member : List.of("inputs", "outputs")) {
            if (!root.path(member).isArray()) throw new InvalidFieldException("/" + member, "required: an array of tensors");
        }
        return new DisputeEvidence(TensorJson.readList(root.get("inputs"), "/inputs"),
                TensorJson.readList(root.get("outputs"), "/outputs"));
    }

    public JsonNode write() {
        ObjectNode o = JSON.createObjectNode();
        var in = o.putArray("inputs");
        inputs.forEach(t -> in.add(TensorJson.writeCompact(t)));
        var out = o.putArray("outputs");
        outputs.forEach(t -> out.add(TensorJson.writeCompact(t)));
        return o;
    }

    /**
     * Why this is not the evidence of a receipt with these digests (its inputsDigest and outputsDigest), or empty
     * when both match.
     */
    public Optional<String> mismatch(Keccak256 inputsDigest, Keccak256 outputsDigest) {
        Keccak256 in = TensorDigests.tensorsDigest(inputs);
        if (!in.equals(inputsDigest)) return Optional.of("inputs hash to " + in + ", the receipt's inputsDigest is " + inputsDigest);
        Keccak256 out = TensorDigests.tensorsDigest(outputs);
        if (!out.equals(outputsDigest)) return Optional.of("outputs hash to " + out + ", the receipt's outputsDigest is " + outputsDigest);
        return Optional.empty();
    }
}
