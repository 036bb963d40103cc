package io.verity.node.dispute;

import io.verity.chain.TxOutcome;
import io.verity.chain.contracts.Dispute;
import io.verity.chain.contracts.DisputeClient;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.merkle.TraceProof;
import java.time.Duration;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of disputes against its own receipts: watches DisputeGame and, whenever a game on one of its
 * receipts waits for the node, reveals the asked trace entry (recomputed from the kept inputs) with its proof.
 * When the challenger claimed a trace length other than the one the node committed, it disproves it instead. On an
 * on-challenge receipt it first commits the trace it recomputed (the opening of its last entry, which is the
 * signed outputsDigest), as the node: only the node's own key can bind it to a root.
 * Once the bisection is over it also draws the committee when the committed block is mined.
 */
final class DisputeResponder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DisputeResponder.class);

    private final DisputeClient games;
    private final DisputeTraces traces;
    private final EvmAddress me;
    private final TreeSet<Long> mine = new TreeSet<>();
    private final DisputeClient.Drawer drawer = new DisputeClient.Drawer();
    private final PollLoop loop;
    private long scanned;

    DisputeResponder(DisputeClient games, DisputeTraces traces, EvmAddress me, Duration poll) {
        this.games = games;
        this.traces = traces;
        this.me = me;
        this.loop = new PollLoop("dispute-responder", poll, this::tick);
    }


    synchronized void tick() {
        long count = games.gameCount();
        for (long g = scanned; g < count; g++) if (games.game(g).node().equals(me)) mine.add(g);
        scanned = count;
        for (Long id : new TreeSet<>(mine)) {
            Dispute d = games.game(id);
            if (d.state().finished()) {
                LOG.info("dispute {} on receipt {} ended: {}", id, d.receiptId(), d.state());
                mine.remove(id);
                continue;
            }
            if (d.state() == Dispute.State.DRAWING) {
                drawer.step(games, d); // either party may draw the committee; the node wants its game over too
                continue;
            }
            if (d.state() != Dispute.State.AWAIT_NODE && d.state() != Dispute.State.AWAIT_TRACE) continue;
            Optional<DisputeTraces.Traced> t = traces.traced(d.receiptId());
            if (t.isEmpty()) {
                LOG.warn("dispute {}: no trace for receipt {}; the node will lose it", id, d.receiptId());
                mine.remove(id);
                continue;
            }
            var trace = t.get().trace();
            if (d.state() == Dispute.State.AWAIT_TRACE) {
                TxOutcome out = games.commitTrace(id, trace.proof(trace.size() - 1));
                if (out instanceof TxOutcome.Reverted r && r.errorName().equals("TraceNotOutputs")) {
                    // the signed outputs are not what the model computes (a fault): no root can be committed
                    LOG.warn("dispute {}: the trace of receipt {} does not end with its signed outputsDigest; the node will lose it",
                            id, d.receiptId());
                    mine.remove(id);
                    continue;
                }
                LOG.info("dispute {}: committed trace root {} ({} entries) -> {}", id, trace.root(), trace.size(),
                        out instanceof TxOutcome.Confirmed ? "ok" : out);
                continue;
            }
            TxOutcome out = trace.size() != d.n()
                    ? games.disproveLength(id, trace.proof(0))
                    : games.reveal(id, trace.proof(Math.toIntExact(d.next())));
            LOG.info("dispute {}: {} entry {} -> {}", id, trace.size() != d.n() ? "disproved length with" : "revealed",
                    d.next(), out instanceof TxOutcome.Confirmed ? "ok" : out);
        }
    }

    @Override
    public void close() {
        loop.close();
    }
}
