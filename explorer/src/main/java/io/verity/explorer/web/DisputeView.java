package io.verity.explorer.web;

import io.verity.chain.contracts.Dispute;
import io.verity.chain.contracts.DisputeClient;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.Receipt;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a receipt's traceRoot means and where a DisputeGame game on it stands, in words a user reads: the
 * trace-on-challenge marker is a constant, not a root, and a game waiting for the node's trace has a block deadline
 * (docs/deterministic-engine.md, "Trace on challenge").
 */
final class DisputeView {
    private static final Logger LOG = LoggerFactory.getLogger(DisputeView.class);

    /** The deployment's DisputeGame; empty when it has none. */
    private final Optional<DisputeClient> games;

    DisputeView(Optional<DisputeClient> games) {
        this.games = games;
    }

    /** The receipt page's "trace root" cell (markup). */
    static String traceRoot(Keccak256 root) {
        if (root.equals(Receipt.TRACE_ON_CHALLENGE)) {
            return "committed when challenged <span class=\"muted\">(the node recomputes its execution trace and posts the root"
                    + " only if this receipt is disputed)</span>";
        }
        if (root.isZero()) return "none <span class=\"muted\">(the engine keeps no trace: disputes go to a committee)</span>";
        return Html.code(root) + " <span class=\"muted\">(signed up front)</span>";
    }

    /**
     * A game's state in words; {@code commitBlock} (the last block in which the node may commit its trace) and
     * {@code tip} (the newest block) matter only while it waits for the node's trace.
     */
    static String state(Dispute.State state, long commitBlock, long tip) {
        return switch (state) {
            // the next transaction lands in block tip + 1; commitTrace is accepted up to commitBlock
            case AWAIT_TRACE -> tip < commitBlock
                    ? "waiting for the node's trace, " + (commitBlock - tip) + " block" + (commitBlock - tip == 1 ? "" : "s") + " left"
                    : "the node did not commit its trace in time: it loses once anyone calls timeout";
            case AWAIT_NODE -> "bisection: waiting for the node's next reveal";
            case AWAIT_CHALLENGER -> "bisection: waiting for the challenger's answer";
            case DRAWING -> "bisection over: drawing the referee committee";
            case VOTING -> "bisection over: the referee committee is voting";
            case NODE_WON -> "the node won";
            case CHALLENGER_WON -> "the node was convicted";
            case DRAW -> "drawn";
            case NONE -> "none";
        };
    }

    /**
     * The receipt page's "dispute" cell (markup), read from the chain now: the open game on the receipt, or that it
     * was convicted; empty when neither (or the deployment has no DisputeGame, or the chain does not answer).
     */
    Optional<String> of(Keccak256 receiptId) {
        if (games.isEmpty()) return Optional.empty();
        DisputeClient g = games.get();
        try {
            var open = g.openGame(receiptId);
            if (open.isPresent()) {
                Dispute d = g.game(open.getAsLong());
                long commitBlock = d.state() == Dispute.State.AWAIT_TRACE ? g.commitBlock(d.id()) : 0;
                return Optional.of("game " + Html.esc(d.id()) + ": " + Html.esc(state(d.state(), commitBlock,
                        g.connection().blockNumber())));
            }
            return g.convicted(receiptId) ? Optional.of("<span class=\"bad\">convicted</span>") : Optional.empty();
        } catch (RuntimeException e) {
            LOG.debug("DisputeGame unreadable", e);
            return Optional.empty();
        }
    }
}
