package io.verity.node;

import io.verity.chain.ChainAccount;
import io.verity.chain.ChainConnection;
import io.verity.chain.Deployment;
import io.verity.chain.contracts.DisputeClient;
import io.verity.chain.contracts.SettlementClient;
import io.verity.chain.rpc.TxPolicy;
import io.verity.node.serve.NodeIdentity;
import io.verity.node.serve.TracePruner;
import io.verity.node.serve.TraceStore;
import io.verity.node.settle.Batcher;
import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Wires a {@link TracePruner} to the batcher's committed batches and to DisputeGame and Settlement over RPC. */
final class TracePruning {
    private TracePruning() {}

    /** @return what to close, in start order */
    static List<AutoCloseable> start(TraceStore traces, Batcher batcher, Deployment d, NodeIdentity identity, TxPolicy policy)
            throws IOException {
        ChainConnection chain = ChainConnection.open(d.rpcUrl(), ChainAccount.of(identity.key()), policy);
        try {
            DisputeClient games = new DisputeClient(chain, d.requireDisputeGame());
            SettlementClient settlement = new SettlementClient(chain, d.settlement());
            TracePruner.Disputes onChain = new TracePruner.Disputes() {
                @Override
                public Duration window() {
                    return games.disputeWindow();
                }

                @Override
                public Instant now() {
                    return chain.latestBlockTime();
                }

                @Override
                public Instant settledAt(long batchId) {
                    return settlement.committedAt(batchId).orElseThrow(() ->
                            new IllegalStateException("batch " + batchId + " is not on chain " + d.chainId()));
                }

                @Override
                public boolean open(Keccak256 receiptId) {
                    return games.openGame(receiptId).isPresent();
                }
            };
            TracePruner pruner = TracePruner.start(traces,
                    after -> batcher.committedAfter(after).map(e -> new TracePruner.Batch(e.getKey(), e.getValue())), onChain);
            return List.of(chain, pruner);
        } catch (IOException | RuntimeException e) {
            chain.close();
            throw e;
        }
    }
}
