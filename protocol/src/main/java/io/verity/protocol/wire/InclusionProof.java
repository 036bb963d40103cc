package io.verity.protocol.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.Keccak256;
import io.verity.protocol.merkle.MerkleBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where a settled receipt sits on chain ({@code GET /v1/receipts/{id}/proof}): batch {@code batchId} with Merkle
 * root {@code batchRoot}, and the sibling hashes that lead from the receipt's leaf to that root (OpenZeppelin
 * StandardMerkleTree order). JSON: {@code {receiptId, batchRoot, batchId, proof[]}}, hashes as 0x-hex.
 */
public record InclusionProof(Keccak256 receiptId, Keccak256 batchRoot, long batchId, List<Keccak256> proof) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public InclusionProof {
        Objects.requireNonNull(receiptId, "receiptId");
        Objects.requireNonNull(batchRoot, "batchRoot");
        if (batchId < 0) throw new IllegalArgumentException("batchId must be >= 0, got " + batchId);
        proof = List.copyOf(proof);
    }

    /** True when the path leads from {@code receiptId}'s leaf to {@code batchRoot} (offline, no chain). */
    public boolean holds() {
        return MerkleBatch.verify(batchRoot, receiptId, proof);
    }

    public ObjectNode toJson() {
        ObjectNode body = JSON.createObjectNode();
        body.put("receiptId", receiptId.toHex());
        body.put("batchRoot", batchRoot.toHex());
        body.put("batchId", batchId);
        ArrayNode arr = body.putArray("proof");
        proof.forEach(h -> arr.add(h.toHex()));
        return body;
    }

    /** @throws IllegalArgumentException naming what is malformed */
    public static InclusionProof fromJson(JsonNode body) {
        List<Keccak256> path = new ArrayList<>();
        for (JsonNode h : body.path("proof")) path.add(Keccak256.parse(h.asText()));
        if (!body.path("batchId").canConvertToLong()) throw new IllegalArgumentException("batchId must be an integer, got " + body.get("batchId"));
        return new InclusionProof(Keccak256.parse(body.path("receiptId").asText()), Keccak256.parse(body.path("batchRoot").asText()),
                body.get("batchId").asLong(), path);
    }
}
