/**
 * TEE attestation verifiers: AWS Nitro Enclaves, Intel TDX / SGX (DCAP), AMD SEV-SNP and NVIDIA H100.
 *
 * <p>Entry point: {@link io.verity.attestation.Attestations#verify}. It detects the family from the bytes (raw,
 * hex or base64), runs the family's checks as named {@link io.verity.attestation.Step}s and returns a sealed
 * {@link io.verity.attestation.Verdict}: {@code Valid} with the attested {@link io.verity.attestation.Facts}, or
 * {@code Rejected} naming the failing step and why. Malformed input never throws.
 *
 * <p>Contracts: fail-closed (a check that cannot run rejects); trust roots are pinned by SHA-256 in
 * {@link io.verity.attestation.TrustAnchors} and never taken from the evidence; the verification time is always
 * given by the caller (real Nitro certificates live three hours, so tests verify "as of" a recorded instant);
 * signatures are checked over the exact received bytes, never over a re-serialisation. Verifiers are stateless
 * and thread-safe; the only shared state is a bounded cache of verified certificate pairs.
 *
 * <p>Sub-packages {@code nitro}, {@code tdx}, {@code sevsnp}, {@code nvidia} each expose one verifier class to
 * this facade; {@code internal} holds shared machinery. Neither is API.
 */
package io.verity.attestation;
