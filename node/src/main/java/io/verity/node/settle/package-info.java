/**
 * Node-side settlement: the {@link io.verity.node.settle.Batcher} reads signed receipts from the node's
 * receipt log, cuts Merkle batches over their ids, stores each batch under {@code home/batches/<root>.json}
 * and commits its root to the Settlement contract, retrying with backoff while the chain is unreachable.
 *
 * <p>Durability contract: the batch file is written (and synced) before its root is posted, the cursor in
 * {@code home/settle/state.json} names the one batch that may be in flight, and posting goes through
 * {@code SettlementClient.commitIdempotently}; so a crash at any point neither loses a receipt nor commits
 * one twice. Inference never waits for the chain: the batcher runs on its own thread and only reads the log.
 */
package io.verity.node.settle;
