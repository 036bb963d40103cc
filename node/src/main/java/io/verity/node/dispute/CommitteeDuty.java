package io.verity.node.dispute;

import io.verity.chain.TxOutcome;
import io.verity.chain.contracts.CommitteeClient;
import io.verity.chain.contracts.CommitteeDispute;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A staked node's CommitteeDisputes duty, for every engine: draws the committee of disputes on models it serves once
 * the seed block is mined, and when drawn judges ({@link CommitteeJudge}), commits its sealed vote, reveals it once
 * revealing opens, and resolves the dispute once every member revealed or the reveal deadline passed. Polls every
 * {@code poll}; closing stops it. Sealed votes (choice and salt) are kept in a file ({@link SealedVotes}) before
 * their commitment is sent, so a node restarted between commit and reveal still reveals.
 */
public final class CommitteeDuty implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CommitteeDuty.class);

    private final CommitteeClient disputes;
    private final CommitteeJudge judge;
    private final Predicate<Keccak256> serves;
    private final EvmAddress me;
    private final Consumer<String> report;
    private final SecureRandom random = new SecureRandom();
    private final OpenIds open = new OpenIds();
    private final SealedVotes sealed;
    private PollLoop loop;

    private CommitteeDuty(CommitteeClient disputes, CommitteeJudge judge, Predicate<Keccak256> serves, SealedVotes sealed,
                          Consumer<String> report) {
        this.disputes = disputes;
        this.sealed = sealed;
        this.judge = judge;
        this.serves = serves;
        this.me = disputes.connection().account().address();
        this.report = report;
    }

    /**
     * Starts watching as the account of {@code disputes}' connection.
     *
     * @param serves whether this node serves a model (by digest): it draws only disputes on those
     * @param votes  the file keeping this member's sealed votes across restarts (in the node's home)
     * @param report one line per vote, for logs and tests
     */
    public static CommitteeDuty start(CommitteeClient disputes, CommitteeJudge judge, Predicate<Keccak256> serves, Path votes,
                                      Duration poll, Consumer<String> report) {
        CommitteeDuty d = new CommitteeDuty(disputes, judge, serves, SealedVotes.at(votes), report);
        d.loop = new PollLoop("committee-duty", poll, d::tick);
        return d;
    }


    /** One pass over the open disputes. */
    synchronized void tick() {
        for (long id : open.update(disputes.disputeCount())) {
            CommitteeDispute d = disputes.dispute(id);
            if (d.state().finished()) {
                open.drop(id);
                sealed.remove(id);
                continue;
            }
            long tip = disputes.connection().blockNumber();
            if (d.state() == CommitteeDispute.State.DRAWING) {
                if (tip > d.drawBlock() && serves.test(d.modelDigest())) disputes.draw(id);
                continue;
            }
            List<EvmAddress> committee = disputes.committee(id);
            if (!committee.contains(me)) {
                open.drop(id); // not ours: the members draw, vote and resolve
                continue;
            }
            step(d, committee, tip);
        }
    }

    private void step(CommitteeDispute d, List<EvmAddress> committee, long tip) {
        long id = d.id();
        boolean committed = !disputes.commitment(id, me).isZero();
        if (!committed && tip <= d.commitDeadline()) {
            SealedVotes.Sealed vote = sealed.get(id);
            String why = "sent again";
            if (vote == null) { // judged once: a commit still pending is sent again with the same salt, never re-sealed
                CommitteeJudge.Ruling ruling;
                switch (judge.judge(d)) {
                    case CommitteeJudge.Abstention a -> {
                        say("committee member " + me + " abstains on dispute " + id + ": " + a.reason());
                        open.drop(id);
                        return;
                    }
                    case CommitteeJudge.Ruling r -> ruling = r;
                }
                vote = new SealedVotes.Sealed(ruling.agrees(), salt());
                sealed.put(id, vote);
                why = ruling.reason();
            }
            TxOutcome out = disputes.commitVote(id, CommitteeClient.commitmentOf(id, me, vote.agrees(), vote.salt()));
            say("committee member " + me + " commits on dispute " + id + ": " + (vote.agrees() ? "agrees" : "disagrees")
                    + " (" + why + ")" + (out instanceof TxOutcome.Confirmed ? "" : ": " + out));
            return;
        }
        SealedVotes.Sealed vote = sealed.get(id);
        if (committed && vote != null && disputes.voteOf(id, me) == 0 && tip <= d.revealDeadline() && disputes.revealOpen(id)) {
            TxOutcome out = disputes.revealVote(id, vote.agrees(), vote.salt());
            say("committee member " + me + " reveals on dispute " + id + (out instanceof TxOutcome.Confirmed ? "" : ": " + out));
            return;
        }
        if (d.revealed() == committee.size() || tip > d.revealDeadline()) {
            TxOutcome out = disputes.resolve(id);
            if (out instanceof TxOutcome.Confirmed) {
                say("committee member " + me + " resolved dispute " + id + ": " + disputes.dispute(id).state());
            }
        }
    }

    private Keccak256 salt() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Keccak256.wrap(b);
    }

    private void say(String line) {
        LOG.info(line);
        report.accept(line);
    }

    @Override
    public void close() {
        if (loop != null) loop.close();
    }
}
