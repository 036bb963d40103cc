package io.verity.chain.contracts;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.time.Instant;
import java.util.Objects;

/** A model as ModelRegistry records it. */
public record ModelInfo(Keccak256 digest, EvmAddress owner, String manifestUri, String name, String version, Instant registeredAt) {
    public ModelInfo {
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(owner, "owner");
    }
}
