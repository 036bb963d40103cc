package io.verity.chain.contracts;

import io.verity.protocol.Checks;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.time.Instant;

/**
 * A node's latest TEE attestation as NodeRegistry records it ({@code attest}); the evidence itself is served
 * by the node at {@code evidenceUri} and must hash to {@code evidenceDigest}.
 *
 * @param kind the evidence kind as the attestation module names it: nitro, tdx, sgx, sev-snp, nvidia
 * @param attestedAt block time of the latest {@code attest} call (re-attestation renews it)
 */
public record NodeAttestation(EvmAddress node, String kind, Keccak256 evidenceDigest, String evidenceUri,
        Instant attestedAt) {
    public NodeAttestation {
        Checks.nonNull("node", node, "kind", kind, "evidenceDigest", evidenceDigest, "evidenceUri", evidenceUri,
                "attestedAt", attestedAt);
    }
}
