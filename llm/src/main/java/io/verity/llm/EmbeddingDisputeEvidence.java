package io.verity.llm;

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
import java.util.Set;

/**
 * The committee-dispute evidence of an embeddings receipt ({@code POST /v1/embeddings}), the second form of
 * {@link io.verity.protocol.wire.DisputeEvidence} (whose tensor form cannot say what an embeddings receipt signs):
 * {@code {"request": body, "applied": settings, "outputs": [embeddings, usage]}}. As there, a member uses it only
 * when {@link #mismatch} finds both digests equal to the receipt's ({@link EmbeddingDigests}: the request digest
 * over {@code request} and {@code applied}, the tensors digest over {@code outputs}), so whoever serves it cannot
 * change what is judged. It lives here, not in {@code protocol}, because its request digest is {@link ChatDigests}'.
 */
public record EmbeddingDisputeEvidence(ObjectNode request, ObjectNode applied, List<Tensor> outputs) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> MEMBERS = Set.of("request", "applied", "outputs");

    public EmbeddingDisputeEvidence {
        request = request.deepCopy();
        applied = applied.deepCopy();
        outputs = List.copyOf(outputs);
    }

    @Override
    public ObjectNode request() {
        return request.deepCopy();
    }

    @Override
    public ObjectNode applied() {
        return applied.deepCopy();
    }

    /** Whether {@code root} is in this form (it has a {@code request}) rather than the tensor form. */
    public static boolean isOne(JsonNode root) {
        return root != null && root.isObject() && root.has("request");
    }

    /**
     * Reads the document.
     *
     * @throws InvalidFieldException naming the member that is missing, malformed or unknown
     */
    public static EmbeddingDisputeEvidence read(JsonNode root) {
        if (root == null || !root.isObject()) throw new InvalidFieldException("", "must be an object {request, applied, outputs}");
        for (var names = root.fieldNames(); names.hasNext(); ) {
            String f = names.next();
            if (!MEMBERS.contains(f)) throw new InvalidFieldException("/" + f, "unknown member; embeddings evidence holds request, applied and outputs");
        }
        for (String member : List.of("request", "applied")) {
            if (!root.path(member).isObject()) throw new InvalidFieldException("/" + member, "required: a JSON object");
        }
        if (!root.path("outputs").isArray()) throw new InvalidFieldException("/outputs", "required: an array of tensors");
        return new EmbeddingDisputeEvidence((ObjectNode) root.get("request"), (ObjectNode) root.get("applied"),
                TensorJson.readList(root.get("outputs"), "/outputs"));
    }

    public JsonNode write() {
        ObjectNode o = JSON.createObjectNode();
        o.set("request", request.deepCopy());
        o.set("applied", applied.deepCopy());
        var out = o.putArray("outputs");
        outputs.forEach(t -> out.add(TensorJson.writeCompact(t)));
        return o;
    }

    /**
     * Why this is not the evidence of an embeddings receipt with these digests (its inputsDigest and outputsDigest),
     * or empty when both match.
     */
    public Optional<String> mismatch(Keccak256 inputsDigest, Keccak256 outputsDigest) {
        Keccak256 in = ChatDigests.request(EmbeddingDigests.PATH, request, applied);
        if (!in.equals(inputsDigest)) {
            return Optional.of("request and applied hash to " + in + ", the receipt's inputsDigest is " + inputsDigest);
        }
        Keccak256 out = TensorDigests.tensorsDigest(outputs);
        if (!out.equals(outputsDigest)) return Optional.of("outputs hash to " + out + ", the receipt's outputsDigest is " + outputsDigest);
        return Optional.empty();
    }

    /** The document's size as the gateway keeps it: the outputs' bytes plus the JSON request and applied, roughly. */
    public long bytes() {
        long n = request.toString().length() + applied.toString().length();
        for (Tensor t : outputs) n += t.byteSize();
        return n;
    }
}
