/**
 * EVM settlement for Verity: the contracts (compiled from {@code chain/src/main/solidity} into
 * {@code io/verity/chain/contracts/*.json} during the build), typed clients for them ({@code chain.contracts}),
 * and their deployment and a local chain ({@code chain.devnet}). This package holds what they share: the
 * connection that sends transactions, accounts, the deployment file, outcomes and errors.
 *
 * <h2>Entry points</h2>
 * <ul>
 *   <li>{@link io.verity.chain.devnet.Devnet}: anvil on 127.0.0.1 with the contracts deployed and dev accounts
 *       funded; {@code Devnet.builder().stateDir(dir).deploymentFile(file).start()} for {@code verity up}.</li>
 *   <li>{@link io.verity.chain.devnet.Contracts#deploy}: the same deployment on any chain, with the owner handed to
 *       an address of its own; {@link io.verity.chain.devnet.DeploymentCheck} checks one (both behind
 *       {@code verity chain deploy}, docs/chain.md).</li>
 *   <li>{@link io.verity.chain.contracts.ChainClients#connect}: the four clients over one {@link io.verity.chain.ChainConnection}
 *       for a {@link io.verity.chain.Deployment} (read from the deployment JSON) and a {@link io.verity.chain.ChainAccount}.</li>
 * </ul>
 *
 * <h2>Outcomes and errors</h2>
 * Every transaction method returns a sealed {@link io.verity.chain.TxOutcome}: {@code Confirmed} (with
 * decoded events), {@code Reverted} (the contract's custom error by name, with decoded arguments) or
 * {@code Pending} (sent, not mined in time; ask {@link io.verity.chain.ChainConnection#outcome} later).
 * Transactions are simulated against the pending state first, so a rejection is usually found without
 * sending anything. An unreachable chain or an RPC error throws {@link io.verity.chain.ChainException},
 * which is safe to retry: Settlement refuses a root the same node already committed
 * ({@code BatchAlreadyCommitted}), so a retried commit never posts a batch twice. A read-only call that
 * reverts throws {@link io.verity.chain.ContractRevertedException}; lookups of absent things return empty.
 *
 * <h2>What a settled receipt means</h2>
 * {@link io.verity.chain.contracts.SettlementClient#verifyReceipt} answers {@code Settled} only when the receipt's
 * signature recovers to its {@code node}, the batch was committed by that same node, and the Merkle proof
 * holds. A node can commit only while registered, active and holding at least the minimum stake, so a
 * settled receipt's node was staked when the batch was committed.
 *
 * <h2>One copy of every hash</h2>
 * Receipts, vouchers and trace openings are the protocol's types ({@link io.verity.protocol.receipt.SignedReceipt},
 * {@link io.verity.protocol.receipt.SignedVoucher}, {@link io.verity.protocol.merkle.TraceProof}); this module
 * only ABI-encodes them for the contracts. EIP-712 digests and signatures come from the protocol module (a
 * {@link io.verity.chain.ChainAccount} signs with its {@link io.verity.protocol.crypto.NodeKey}), so the
 * contracts and Java cannot drift apart in two encoders.
 *
 * <h2>Conventions</h2>
 * Amounts are wei as {@link java.math.BigInteger}; bytes32 values are {@link io.verity.protocol.Keccak256};
 * addresses are {@link io.verity.protocol.EvmAddress}; contract timestamps are seconds, receipt timestamps
 * milliseconds. Arguments are never null. A {@code ChainConnection} may be shared between threads; the clients
 * hold no other state.
 *
 * <h2>Sending</h2>
 * Every connection of one account to one endpoint sends through that account's one
 * {@code TransactionSender} in the process, which keeps the nonce (so a node's batcher, voucher
 * redeemer and dispute duties never collide), pays EIP-1559 fees within the {@link io.verity.chain.rpc.TxPolicy}'s
 * caps, replaces a transaction that stays unmined with raised fees, and answers Confirmed only after the policy's
 * confirmations.
 */
package io.verity.chain;
