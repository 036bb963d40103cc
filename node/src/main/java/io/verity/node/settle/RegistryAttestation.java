package io.verity.node.settle;

import io.verity.protocol.Keccak256;
import java.time.Duration;
import java.util.Objects;

/**
 * What a node with TEE evidence records in NodeRegistry ({@code attest}): the evidence kind, its digest and the
 * URL serving it ({@code GET /v1/attestation}).
 */
public record RegistryAttestation(String kind, Keccak256 evidenceDigest, String evidenceUri) {
    /** How often a node renews its registry record; gateways' maximum age should be larger (default 1 h). */
    public static final Duration REATTEST_EVERY = Duration.ofMinutes(10);

    public RegistryAttestation {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(evidenceDigest, "evidenceDigest");
        Objects.requireNonNull(evidenceUri, "evidenceUri");
    }
}
