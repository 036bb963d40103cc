/**
 * Node-side settlement: the {@link io.verity.node.settle.Batcher} reads signed receipts from the node's
 * receipt log, cuts Merkle batches over their ids, stores each batch under {@code home/batches/<root>.json}
 * and commits its root to the Settlement contract, retrying with backoff while the chain is unreachable.
 *
 * <p>Durability contract: the batch file is written (and synced) before its root is posted, the cursor in
 * {@code home/settle/state.json} names the one batch that may be in flight, and posting goes through
 * {@code SettlementClient.commitIdempotently}; so a crash at any point neither loses a receipt nor commits
 * one twice. The steps of a batch and what a restart after a kill at each does ({@code Batcher.Step}):
 * <ul>
 *   <li>batch file written, cursor not moved: the file is dropped, its receipts are cut again;
 *   <li>state.json names it pending: it is committed;
 *   <li>commit sent or mined, file not updated: committing again finds it ({@code batchIdOf}, or the
 *       contract's {@code BatchAlreadyCommitted}) and returns the first id;
 *   <li>file carries the batch id, state.json still names it pending: it is settled; the pending mark is cleared.
 * </ul>
 * Inference never waits for the chain: the batcher runs on its own thread and only reads the log.
 */
package io.verity.node.settle;
