package io.verity.cli.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.cli.Checks;
import io.verity.cli.TensorFiles;
import io.verity.llm.ChatDigests;
import io.verity.llm.EmbeddingDigests;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.AskedModel;
import io.verity.protocol.receipt.SignedReceipt;
import java.nio.file.Path;
import java.util.List;

/**
 * A saved OpenAI-style exchange, {@code {path?, request, response | chunks}}, for {@code verity verify
 * --transcript}: {@code path} defaults to {@code /v1/chat/completions} ({@code /v1/embeddings} too, whose answer is
 * digested as tensors, see {@link EmbeddingDigests}); {@code response} is a non-streamed
 * answer with its {@code verity} object, {@code chunks} the parsed {@code data:} events of a streamed one
 * (the answer is rebuilt from them as the node digests it).
 */
public record Transcript(String path, JsonNode request, JsonNode response, JsonNode verity) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Transcript read(Path file) throws java.io.IOException {
        JsonNode root = TensorFiles.readJson(file);
        JsonNode request = root.get("request");
        if (request == null || !request.isObject()) throw new TensorFiles.UsageError(file + ": /request must be the request body object");
        String path = root.path("path").asText("/v1/chat/completions");
        if (root.path("response").isObject()) {
            JsonNode verity = root.get("response").get("verity");
            if (verity == null) throw new TensorFiles.UsageError(file + ": /response has no verity object");
            return new Transcript(path, request, root.get("response"), verity);
        }
        if (root.path("chunks").isArray() && !root.get("chunks").isEmpty()) {
            JsonNode last = null;
            for (JsonNode chunk : root.get("chunks")) if (chunk.has("verity")) last = chunk;
            if (last == null) throw new TensorFiles.UsageError(file + ": no chunk carries a verity object");
            ObjectNode whole = ChatDigests.answerFromChunks(root.get("chunks"), path.endsWith("/chat/completions"));
            return new Transcript(path, request, whole, last.get("verity"));
        }
        throw new TensorFiles.UsageError(file + ": needs /response (the answer) or /chunks (the streamed chunks)");
    }

    List<Checks.Check> checks(SignedReceipt receipt) {
        // The gateway's own verity member (policy, pin) is not forwarded, so the node digests the body without it.
        ObjectNode forwarded = request.deepCopy();
        forwarded.remove("verity");
        Keccak256 req = ChatDigests.request(path, forwarded, verity.get("applied"));
        boolean embeddings = path.equals(EmbeddingDigests.PATH);
        Keccak256 resp;
        try {
            resp = embeddings ? EmbeddingDigests.response(response) : ChatDigests.response(response);
        } catch (IllegalArgumentException e) {
            return List.of(new Checks.Check("response-digest", false, "the answer is malformed: " + e.getMessage()));
        }
        java.util.Optional<String> swapped;
        try {
            swapped = AskedModel.ofRequest(request).problem(receipt.receipt());
        } catch (IllegalArgumentException e) {
            swapped = java.util.Optional.of("the request's " + e.getMessage());
        }
        return List.of(
                new Checks.Check("served-model", swapped.isEmpty(), swapped.orElse(receipt.receipt().isV2()
                        ? "asked for '" + receipt.receipt().v2().requestedModel() + "', served by '"
                                + receipt.receipt().v2().servedModel() + "'"
                        : "a v1 receipt names no served model (only a pinned digest is checked)")),
                new Checks.Check("request-digest", req.equals(receipt.receipt().inputsDigest()),
                        "JCS digest of the request and verity.applied: " + req
                                + (req.equals(receipt.receipt().inputsDigest()) ? "" : " but the receipt signed " + receipt.receipt().inputsDigest())),
                new Checks.Check("response-digest", resp.equals(receipt.receipt().outputsDigest()),
                        (embeddings ? "tensor digest of the vectors and usage: " : "JCS digest of the answer (message, finish reason, usage): ") + resp
                                + (resp.equals(receipt.receipt().outputsDigest()) ? "" : " but the receipt signed " + receipt.receipt().outputsDigest())));
    }
}
