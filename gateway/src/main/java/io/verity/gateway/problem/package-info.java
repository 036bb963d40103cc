/**
 * The problems the gateway answers itself, as protocol {@link io.verity.protocol.wire.Problem}s with the gateway's
 * slugs ({@link io.verity.gateway.problem.ProblemKind}).
 */
package io.verity.gateway.problem;
