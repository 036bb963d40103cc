package io.verity.node.dispute;

import io.verity.chain.contracts.Dispute;
import io.verity.chain.contracts.DisputeClient;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.TxOutcome;
import io.verity.protocol.EvmAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A staked node's committee duty: watches DisputeGame, and for every game in VOTING whose committee holds this
 * account and that it has not voted on, judges it with {@link Referee} and votes. Polls every {@code poll};
 * closing stops it.
 */
public final class RefereeDuty implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RefereeDuty.class);

    private final DisputeClient games;
    private final NodeRegistryClient registry;
    private final Referee referee;
    private final EvmAddress me;
    private final Consumer<String> report;
    private final OpenIds open = new OpenIds();
    private PollLoop loop;

    private RefereeDuty(DisputeClient games, NodeRegistryClient registry, Referee referee, Consumer<String> report) {
        this.games = games;
        this.registry = registry;
        this.referee = referee;
        this.me = games.connection().account().address();
        this.report = report;
    }

    /** Starts watching as the account of {@code games}' connection; {@code report} gets one line per vote. */
    public static RefereeDuty start(DisputeClient games, NodeRegistryClient registry, Referee referee, Duration poll,
            Consumer<String> report) {
        RefereeDuty d = new RefereeDuty(games, registry, referee, report);
        d.loop = new PollLoop("referee-duty", poll, d::tick);
        return d;
    }

    /** One pass over the games: picks up new ones, votes where due. */
    public synchronized void tick() {
        for (long id : open.update(games.gameCount())) {
            Dispute d = games.game(id);
            if (d.state().finished()) {
                open.drop(id);
                continue;
            }
            if (d.state() != Dispute.State.VOTING || games.voteOf(id, me) != 0 || !games.committee(id).contains(me)) continue;
            Optional<String> endpoint = registry.node(d.node()).map(n -> n.endpoint());
            TraceClient node = new TraceClient(URI.create(endpoint.orElse("http://127.0.0.1:1")));
            Optional<Referee.Ruling> v = referee.judge(d, node);
            if (v.isEmpty()) {
                LOG.info("game {}: cannot judge (model not held), abstaining", id);
                open.drop(id);
                continue;
            }
            TxOutcome out = games.vote(id, v.get().nodeRight());
            String line = "referee " + me + " votes node " + (v.get().nodeRight() ? "right" : "wrong") + " in game " + id
                    + " (" + v.get().reason() + ")" + (out instanceof TxOutcome.Confirmed ? "" : ": " + out);
            LOG.info(line);
            report.accept(line);
        }
    }

    @Override
    public void close() {
        if (loop != null) loop.close();
    }
}
