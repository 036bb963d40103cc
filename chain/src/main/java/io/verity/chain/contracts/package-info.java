/**
 * Typed clients of the Verity contracts (NodeRegistry, ModelRegistry, Settlement, Payments, DisputeGame) and the
 * values they read; {@link io.verity.chain.contracts.ChainClients#connect} opens them over one connection.
 */
package io.verity.chain.contracts;
