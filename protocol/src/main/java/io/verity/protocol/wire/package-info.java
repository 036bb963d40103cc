/**
 * The HTTP wire contract node, gateway, explorer and clients share beyond the JSON forms of
 * {@link io.verity.protocol.json}: the one RFC 9457 {@link io.verity.protocol.wire.Problem} (with
 * {@link io.verity.protocol.wire.FailureSource}, who caused a failure) and the one list of its kinds
 * ({@link io.verity.protocol.wire.ProblemKind}: slug, title, status, source, OpenAI type and code), the {@code /v1/infer} request and its one
 * validation ({@link io.verity.protocol.wire.InferRequest}), the gateway's answer to it
 * ({@link io.verity.protocol.wire.GatewayAnswer} with its {@link io.verity.protocol.wire.AnswerVerdict} and
 * {@link io.verity.protocol.wire.Payment}s, written by the gateway and read by the SDK through the same records),
 * inclusion proofs ({@link io.verity.protocol.wire.InclusionProof}) and the READY line a server process prints
 * ({@link io.verity.protocol.wire.ReadyLine}).
 */
package io.verity.protocol.wire;
