package io.verity.chain.contracts;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** A node as NodeRegistry records it. {@code unbondingReadyAt} is the epoch when nothing is unbonding. */
public record NodeInfo(
        EvmAddress address,
        String endpoint,
        List<Keccak256> models,
        Keccak256 attestationDigest,
        BigInteger price,
        BigInteger stake,
        BigInteger unbonding,
        Instant unbondingReadyAt,
        Instant registeredAt,
        Instant lastSeen,
        boolean active) {
    public NodeInfo {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(endpoint, "endpoint");
        models = List.copyOf(models);
    }
}
