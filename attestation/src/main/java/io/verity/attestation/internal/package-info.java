/**
 * Shared machinery of the verifiers (step runner, certificate chains, signatures, policy checks). Public only
 * so that the per-family packages can use it; not API: callers use {@link io.verity.attestation.Attestations}.
 */
package io.verity.attestation.internal;
