/**
 * What node, gateway, explorer and clients agree on at the HTTP boundary beyond the JSON forms of
 * {@link io.verity.protocol.json}: where a failure came from ({@link io.verity.protocol.wire.FailureSource}), and the
 * gateway's {@code /v1/infer} answer ({@link io.verity.protocol.wire.GatewayAnswer} with its
 * {@link io.verity.protocol.wire.AnswerVerdict} and {@link io.verity.protocol.wire.Payment}s), which the gateway
 * writes and the SDK reads through the same records.
 */
package io.verity.protocol.wire;
