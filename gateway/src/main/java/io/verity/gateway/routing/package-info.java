/**
 * What the gateway knows about nodes and how it orders them: discovery from NodeRegistry plus health checks
 * ({@link io.verity.gateway.routing.NodeDirectory}), per-node statistics ({@link io.verity.gateway.routing.NodeState}),
 * the ranking ({@link io.verity.gateway.routing.Routing}) and the record of one call ({@link io.verity.gateway.routing.Attempt}).
 * Only discovery changes a node's registration and health; callers record successes, failures and dissent.
 */
package io.verity.gateway.routing;
