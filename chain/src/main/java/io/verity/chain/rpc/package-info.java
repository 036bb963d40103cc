/**
 * The JSON-RPC side of a chain: which endpoints a process talks to ({@link io.verity.chain.rpc.RpcEndpoints}, one
 * or several with failover) and how its transactions are priced, replaced and confirmed
 * ({@link io.verity.chain.rpc.TxPolicy}, with the {@code --tx-*} flags every sending process shares). Depends on
 * nothing else in chain; {@link io.verity.chain.ChainConnection} and its transaction sender use both.
 */
package io.verity.chain.rpc;
