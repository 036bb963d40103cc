package io.verity.gateway;

import io.verity.chain.SettlementClient;
import io.verity.chain.TxOutcome;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one client request under its policy: picks nodes, fails over, hedges, compares answers, pays the
 * nodes whose answers were used, and turns disagreements into evidence and quarantine.
 */
final class Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    /** One client request, resolved: the model pinned by digest, the call every node gets. */
    record Request(Keccak256 requestId, Keccak256 model, Policy policy, NodeCaller.Call call, Duration hedgeAfter,
            Tolerance tolerance) {}

    /** What the client gets: the answer used, every receipt behind it, the verdict, payments and attempts. */
    record Outcome(NodeAnswer primary, List<NodeAnswer> supporting, Verdict verdict, List<Payer.Payment> payments,
            List<Attempt> attempts) {}

    /**
     * @param status single, agreed, majority or sampled (docs/gateway.md)
     * @param comparison bit-exact or the tolerance used
     * @param audit none or scheduled
     */
    record Verdict(String status, int asked, int agreeing, String comparison, List<NodeAnswer> dissent, String audit) {}

    private final NodeDirectory directory;
    private final TeeGate tee;
    private final NodeCaller caller;
    private final Routing routing;
    private final Optional<Payer> payer;
    private final EvidenceLog evidence;
    private final Optional<SettlementClient> settlement;
    private final Sampling sampling;
    private final Duration quarantine;
    private final int maxAttempts;
    private final ExecutorService background;
    private final Clock clock;

    Dispatcher(NodeDirectory directory, TeeGate tee, NodeCaller caller, Routing routing, Optional<Payer> payer,
            EvidenceLog evidence, Optional<SettlementClient> settlement, Sampling sampling, Duration quarantine,
            int maxAttempts, ExecutorService background, Clock clock) {
        this.directory = directory;
        this.tee = tee;
        this.caller = caller;
        this.routing = routing;
        this.payer = payer;
        this.evidence = evidence;
        this.settlement = settlement;
        this.sampling = sampling;
        this.quarantine = quarantine;
        this.maxAttempts = maxAttempts;
        this.background = background;
        this.clock = clock;
    }

    Outcome run(Request req) throws InterruptedException {
        // A client whose deposit cannot pay the answer is told so before any node works for it (issue 13, item 5).
        try (Payer.Hold hold = payer.isPresent() ? payer.get().hold(cost(req)) : null) {
            return dispatch(req);
        }
    }

    /** The most the answer may cost: the dearest node that could serve it, times the answers the policy pays for. */
    private BigInteger cost(Request req) {
        BigInteger dearest = BigInteger.ZERO;
        for (NodeState n : candidates(req)) {
            if (n.canServe(req.model(), clock.instant())) dearest = dearest.max(n.price());
        }
        return dearest.multiply(BigInteger.valueOf(answersPaid(req.policy())));
    }

    /** How many answers a request under {@code policy} may pay for. */
    static int answersPaid(Policy policy) {
        return switch (policy) {
            case Policy.Redundant r -> r.k();
            case Policy.Sample s -> 2; // the answer and, when drawn, its audit
            case Policy.None n -> 1;
            case Policy.Tee t -> 1;
        };
    }

    private Outcome dispatch(Request req) throws InterruptedException {
        return switch (req.policy()) {
            case Policy.None n -> single(req, "single", "none");
            case Policy.Sample s -> sampled(req, s);
            case Policy.Redundant r -> redundant(req, r);
            case Policy.Tee t -> {
                if (tee.admitted(directory.all(), clock.instant()).isEmpty()) throw tee.noneAdmitted(directory.all());
                yield single(req, "single", "none");
            }
        };
    }

    // ---- none: one answer, with failover and an optional hedge ------------------------------------------

    private Outcome single(Request req, String status, String audit) throws InterruptedException {
        List<Attempt> attempts = new ArrayList<>();
        NodeAnswer answer = firstValid(req, new HashSet<>(), attempts);
        List<Payer.Payment> paid = pay(List.of(answer));
        Verdict v = new Verdict(status, 1, 1, comparison(List.of(answer), req.tolerance()), List.of(), audit);
        return new Outcome(answer, List.of(answer), v, paid, attempts);
    }

    /**
     * Asks the best node; on a connection error, timeout, 5xx or bad receipt asks the next. With a hedge
     * delay, a second node is asked when the first has not answered by then, and the first valid answer wins.
     */
    private NodeAnswer firstValid(Request req, Set<EvmAddress> tried, List<Attempt> attempts) throws InterruptedException {
        boolean any = false;
        while (attempts.size() < maxAttempts) {
            List<NodeState> ranked = routing.rank(candidates(req), req.model(), tried, clock.instant());
            if (ranked.isEmpty()) break;
            any = true;
            LinkedBlockingQueue<NodeCaller.Result> done = new LinkedBlockingQueue<>();
            List<NodeState> called = new ArrayList<>(List.of(ranked.get(0)));
            List<CompletableFuture<NodeCaller.Result>> inflight = new ArrayList<>();
            inflight.add(launch(ranked.get(0), req, tried, done));
            NodeCaller.Result first = req.hedgeAfter().isZero() ? done.take()
                    : done.poll(req.hedgeAfter().toNanos(), TimeUnit.NANOSECONDS);
            if (first == null) {
                if (ranked.size() > 1) {
                    called.add(ranked.get(1));
                    inflight.add(launch(ranked.get(1), req, tried, done));
                }
                first = done.take();
            }
            NodeCaller.Result chosen = first;
            if (!(first instanceof NodeCaller.Answered) && inflight.size() > 1) {
                attempts.add(first.attempt());
                chosen = done.take();
                inflight.clear();
            }
            for (int i = 0; i < inflight.size(); i++) {
                if (!inflight.get(i).isDone()) {
                    inflight.get(i).cancel(true);
                    NodeState n = called.get(i);
                    attempts.add(new Attempt(n.address, n.url(), "cancelled", 0, "another node answered first; not paid"));
                }
            }
            attempts.add(chosen.attempt());
            if (chosen instanceof NodeCaller.Answered a) {
                // A hedge that answered too but lost the race is neither used nor paid.
                for (NodeCaller.Result r : done) if (r instanceof NodeCaller.Answered late) attempts.add(unused(late.answer()));
                return a.answer();
            }
            NodeCaller.Failed f = (NodeCaller.Failed) chosen;
            if (f.clientFault()) throw new NodeRejected(f);
        }
        if (!any && attempts.isEmpty()) throw unknownModel(req);
        throw new ProblemException(Problem.Kind.NO_VALID_ANSWER, "no node produced a valid answer after "
                + attempts.size() + " attempt(s)", attempts);
    }

    /** The nodes a request may use: for {@code tee} only those whose evidence passes {@link TeeGate}. */
    private java.util.Collection<NodeState> candidates(Request req) {
        return req.policy() instanceof Policy.Tee ? tee.admitted(directory.all(), clock.instant()) : directory.all();
    }

    private CompletableFuture<NodeCaller.Result> launch(NodeState n, Request req, Set<EvmAddress> tried,
            LinkedBlockingQueue<NodeCaller.Result> done) {
        tried.add(n.address);
        CompletableFuture<NodeCaller.Result> f = caller.infer(n, req.call());
        f.whenComplete((r, e) -> {
            if (r != null) done.add(r);
        });
        return f;
    }

    private static Attempt unused(NodeAnswer a) {
        Attempt at = a.attempt();
        return new Attempt(at.node(), at.url(), "unused", at.ms(), "answered after another node; not paid");
    }

    private ProblemException unknownModel(Request req) {
        return new ProblemException(Problem.Kind.UNKNOWN_MODEL, "no healthy, staked, unquarantined node serves model "
                + req.model() + " now; GET /v1/models lists what the network serves");
    }

    // ---- redundant:k -------------------------------------------------------------------------------------

    private Outcome redundant(Request req, Policy.Redundant policy) throws InterruptedException {
        List<NodeState> ranked = routing.rank(directory.all(), req.model(), Set.of(), clock.instant());
        if (ranked.isEmpty()) throw unknownModel(req);
        if (ranked.size() < policy.k()) {
            throw new ProblemException(Problem.Kind.NOT_ENOUGH_NODES, policy.wireName() + " needs " + policy.k()
                    + " nodes of distinct operators serving " + req.model() + "; " + ranked.size() + " available now");
        }
        List<Attempt> attempts = new ArrayList<>();
        List<NodeAnswer> answers = new ArrayList<>();
        Set<EvmAddress> tried = new HashSet<>();
        LinkedBlockingQueue<NodeCaller.Result> done = new LinkedBlockingQueue<>();
        int pending = 0;
        for (int i = 0; i < policy.k(); i++) {
            launch(ranked.get(i), req, tried, done);
            pending++;
        }
        List<List<NodeAnswer>> groups = List.of();
        while (true) {
            if (pending == 0) {
                groups = group(answers, req.tolerance());
                List<NodeAnswer> best = groups.isEmpty() ? List.of() : groups.get(0);
                boolean decided = best.size() >= policy.quorum() && (groups.size() < 2 || groups.get(1).size() < best.size());
                if (decided) break;
                // Too few answers (failures) or a split: ask one more node, of an operator not asked yet.
                List<NodeState> more = routing.rank(directory.all(), req.model(), tried, clock.instant());
                if (more.isEmpty() || attempts.size() >= maxAttempts + policy.k()) {
                    if (answers.size() < policy.quorum() && groups.size() < 2) {
                        throw new ProblemException(Problem.Kind.NO_VALID_ANSWER, "only " + answers.size() + " of "
                                + policy.k() + " nodes produced a valid answer", attempts);
                    }
                    recordSplit(req, groups);
                    throw new ProblemException(Problem.Kind.NO_MAJORITY, "answers split " + sizes(groups)
                            + " and no further node can break the tie", attempts);
                }
                launch(more.get(0), req, tried, done);
                pending++;
            }
            NodeCaller.Result r = done.take();
            pending--;
            attempts.add(r.attempt());
            if (r instanceof NodeCaller.Answered a) {
                answers.add(a.answer());
            } else if (r instanceof NodeCaller.Failed f && f.clientFault()) {
                throw new NodeRejected(f);
            }
        }
        List<NodeAnswer> winners = groups.get(0);
        List<NodeAnswer> dissent = new ArrayList<>();
        for (int i = 1; i < groups.size(); i++) dissent.addAll(groups.get(i));
        for (NodeAnswer d : dissent) accuse(req, EvidenceLog.Kind.MINORITY, d, winners);
        List<Payer.Payment> paid = pay(winners);
        Verdict v = new Verdict(dissent.isEmpty() ? "agreed" : "majority", answers.size(), winners.size(),
                comparison(winners, req.tolerance()), dissent, "none");
        return new Outcome(winners.get(0), winners, v, paid, attempts);
    }

    /** Groups equivalent answers, largest group first (ties: the group answered first). */
    List<List<NodeAnswer>> group(List<NodeAnswer> answers, Tolerance tolerance) {
        List<List<NodeAnswer>> groups = new ArrayList<>();
        for (NodeAnswer a : answers) {
            List<NodeAnswer> home = null;
            for (List<NodeAnswer> g : groups) {
                if (same(g.get(0), a, tolerance)) {
                    home = g;
                    break;
                }
            }
            if (home == null) groups.add(home = new ArrayList<>());
            home.add(a);
        }
        groups.sort((x, y) -> Integer.compare(y.size(), x.size()));
        return groups;
    }

    /** Bit-exact between deterministic engines (the receipts' digests), else within the model's tolerance. */
    private static boolean same(NodeAnswer a, NodeAnswer b, Tolerance tolerance) {
        if (a.receipt().receipt().outputsDigest().equals(b.receipt().receipt().outputsDigest())) return true;
        if (a.deterministic() && b.deterministic()) return false;
        return tolerance.same(a.outputs(), b.outputs());
    }

    /** What the agreement rests on: identical digests (bit-exact), or the tolerance when some digests differ. */
    private static String comparison(List<NodeAnswer> answers, Tolerance tolerance) {
        if (answers.size() == 1) return "none";
        Keccak256 first = answers.get(0).receipt().receipt().outputsDigest();
        for (NodeAnswer a : answers) if (!a.receipt().receipt().outputsDigest().equals(first)) return tolerance.describe();
        return "bit-exact";
    }

    private static String sizes(List<List<NodeAnswer>> groups) {
        StringBuilder sb = new StringBuilder();
        for (List<NodeAnswer> g : groups) sb.append(sb.isEmpty() ? "" : "/").append(g.size());
        return sb.toString();
    }

    private void recordSplit(Request req, List<List<NodeAnswer>> groups) {
        for (List<NodeAnswer> g : groups) {
            for (NodeAnswer a : g) {
                evidence.append(new EvidenceLog.Entry(clock.instant(), EvidenceLog.Kind.UNRESOLVED, a.signer(),
                        req.requestId(), req.model(), req.policy().wireName(), List.of(a.receipt()), List.of(), Optional.empty()));
            }
        }
    }

    // ---- sample:p ----------------------------------------------------------------------------------------

    private Outcome sampled(Request req, Policy.Sample policy) throws InterruptedException {
        List<Attempt> attempts = new ArrayList<>();
        NodeAnswer answer = firstValid(req, new HashSet<>(), attempts);
        double p = sampling.probability(policy.p(), answer.node());
        boolean audit = ThreadLocalRandom.current().nextDouble() < p;
        List<Payer.Payment> paid = pay(List.of(answer));
        if (audit) background.execute(() -> audit(req, answer));
        Verdict v = new Verdict("sampled", 1, 1, comparison(List.of(answer), req.tolerance()), List.of(), audit ? "scheduled" : "none");
        return new Outcome(answer, List.of(answer), v, paid, attempts);
    }

    /** Re-runs the request on another node; on a mismatch a third node referees and the outvoted one is accused. */
    private void audit(Request req, NodeAnswer original) {
        try {
            Set<EvmAddress> tried = new HashSet<>(Set.of(original.signer()));
            NodeAnswer check = firstValid(req, tried, new ArrayList<>());
            if (same(original, check, req.tolerance())) {
                pay(List.of(check));
                return;
            }
            NodeAnswer referee;
            try {
                referee = firstValid(req, tried, new ArrayList<>());
            } catch (ProblemException noReferee) {
                for (NodeAnswer a : List.of(original, check)) {
                    a.node().recordFailure(0);
                    evidence.append(new EvidenceLog.Entry(clock.instant(), EvidenceLog.Kind.UNRESOLVED, a.signer(),
                            req.requestId(), req.model(), req.policy().wireName(), List.of(a.receipt()), List.of(), Optional.empty()));
                }
                return;
            }
            if (same(check, referee, req.tolerance())) {
                pay(List.of(check, referee));
                accuse(req, EvidenceLog.Kind.AUDIT_MISMATCH, original, List.of(check, referee));
            } else if (same(original, referee, req.tolerance())) {
                pay(List.of(referee));
                accuse(req, EvidenceLog.Kind.AUDIT_MISMATCH, check, List.of(original, referee));
            } else {
                LOG.warn("audit of request {}: three nodes gave three different answers", req.requestId());
            }
        } catch (ProblemException | NodeRejected e) {
            LOG.info("audit of request {} could not run: {}", req.requestId(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("audit of request {} failed", req.requestId(), e);
        }
    }

    // ---- consequences ------------------------------------------------------------------------------------

    private void accuse(Request req, EvidenceLog.Kind kind, NodeAnswer accused, List<NodeAnswer> majority) {
        accuse(req.requestId(), req.model(), req.policy().wireName(), kind, accused.node(), accused.receipt(),
                receipts(majority), () -> caller.infer(accused.node(), req.call()).join() instanceof NodeCaller.Answered a
                        ? Optional.of(a.answer().receipt()) : Optional.empty());
    }

    /**
     * Records the evidence, quarantines the node, and asks it the same request once more ({@code reask}, in the
     * background, only with a chain to report to): two different signed answers to one request are
     * equivocation, which Settlement slashes on the spot. Also used for language-model answers
     * ({@link OpenAiProxy}), whose receipts are compared by response digest.
     */
    void accuse(Keccak256 requestId, Keccak256 model, String policy, EvidenceLog.Kind kind, NodeState node,
            SignedReceipt accused, List<SignedReceipt> majority, Supplier<Optional<SignedReceipt>> reask) {
        node.recordDissent(clock.instant().plus(quarantine));
        LOG.warn("node {} disagreed with {} other node(s) on request {} ({}); quarantined for {}", node.address,
                majority.size(), requestId, kind.wire, quarantine);
        evidence.append(new EvidenceLog.Entry(clock.instant(), kind, node.address, requestId, model, policy,
                List.of(accused), majority, Optional.empty()));
        if (settlement.isPresent()) background.execute(() -> probeEquivocation(requestId, model, policy, accused, majority, reask));
    }

    private void probeEquivocation(Keccak256 requestId, Keccak256 model, String policy, SignedReceipt first,
            List<SignedReceipt> majority, Supplier<Optional<SignedReceipt>> reask) {
        Optional<SignedReceipt> again = reask.get();
        if (again.isEmpty()) return;
        SignedReceipt second = again.get();
        if (first.receipt().outputsDigest().equals(second.receipt().outputsDigest())) return;
        TxOutcome tx = settlement.get().reportEquivocation(first, second);
        String txText = tx instanceof TxOutcome.Confirmed c ? c.txHash().toString() : tx.toString();
        LOG.warn("node {} signed two different answers to request {}: reported equivocation on chain ({})",
                first.receipt().node(), requestId, txText);
        evidence.append(new EvidenceLog.Entry(clock.instant(), EvidenceLog.Kind.EQUIVOCATION, first.receipt().node(),
                requestId, model, policy, List.of(first, second), majority, Optional.of(txText)));
    }

    /** The audit probability for a sampled answer of {@code node} (docs/gateway.md, "Sampling probability"). */
    double auditProbability(Policy.Sample policy, NodeState node) {
        return sampling.probability(policy.p(), node);
    }

    /** Where audits and equivocation probes run. */
    ExecutorService background() {
        return background;
    }

    /** Records an unresolved disagreement (no referee could decide) against one answer. */
    void unresolved(Keccak256 requestId, Keccak256 model, String policy, NodeState node, SignedReceipt receipt) {
        node.recordFailure(0);
        evidence.append(new EvidenceLog.Entry(clock.instant(), EvidenceLog.Kind.UNRESOLVED, node.address, requestId, model,
                policy, List.of(receipt), List.of(), Optional.empty()));
    }

    private static List<SignedReceipt> receipts(List<NodeAnswer> answers) {
        return answers.stream().map(NodeAnswer::receipt).toList();
    }

    /** Pays each used answer the lower of the price it signed and the price it registered. */
    private List<Payer.Payment> pay(List<NodeAnswer> used) {
        if (payer.isEmpty()) return List.of();
        List<Payer.Payment> out = new ArrayList<>();
        for (NodeAnswer a : used) {
            BigInteger price = a.receipt().receipt().price().min(a.node().price());
            if (price.signum() > 0) out.add(payer.get().pay(a.node(), price));
        }
        return out;
    }

    /** The node refused the request as malformed (4xx): the client's mistake, relayed as the node said it. */
    static final class NodeRejected extends RuntimeException {
        final NodeCaller.Failed failure;

        NodeRejected(NodeCaller.Failed failure) {
            super(failure.attempt().detail(), null, false, false);
            this.failure = failure;
        }
    }
}
