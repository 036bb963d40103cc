/**
 * What the gateway adds to the problems it answers itself (protocol {@link io.verity.protocol.wire.ProblemKind}s,
 * the same list a node's come from): the node calls behind them ({@link io.verity.gateway.problem.NodeAttempts}).
 */
package io.verity.gateway.problem;
