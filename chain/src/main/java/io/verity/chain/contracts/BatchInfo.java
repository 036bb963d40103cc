package io.verity.chain.contracts;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.time.Instant;
import java.util.Objects;

/** A committed receipt batch: who posted it, its Merkle root and size, when, and where to fetch it. */
public record BatchInfo(long id, EvmAddress node, Keccak256 root, long count, Instant committedAt, long blockNumber, String uri) {
    public BatchInfo {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(uri, "uri");
    }
}
