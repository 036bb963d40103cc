/**
 * The HTTP wire contract node, gateway, explorer and clients share beyond the JSON forms of
 * {@link io.verity.protocol.json}: the one RFC 9457 {@link io.verity.protocol.wire.Problem} (with
 * {@link io.verity.protocol.wire.FailureSource}, who caused a failure), the {@code /v1/infer} request and its one
 * validation ({@link io.verity.protocol.wire.InferRequest}), inclusion proofs
 * ({@link io.verity.protocol.wire.InclusionProof}) and the READY line a server process prints
 * ({@link io.verity.protocol.wire.ReadyLine}).
 */
package io.verity.protocol.wire;
