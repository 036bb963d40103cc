package io.verity.gateway.policy;

import io.verity.protocol.wire.AnswerVerdict;
import io.verity.protocol.wire.Payment;
import io.verity.chain.TxOutcome;
import io.verity.chain.contracts.SettlementClient;
import io.verity.gateway.evidence.EvidenceLog;
import io.verity.gateway.pay.Payer;
import io.verity.gateway.pay.Payments;
import io.verity.gateway.problem.NodeAttempts;
import io.verity.gateway.routing.Attempt;
import io.verity.gateway.routing.NodeState;
import io.verity.gateway.routing.Routing;
import io.verity.gateway.tee.TeeGate;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.wire.ProblemException;
import io.verity.protocol.wire.ProblemKind;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one client request under its policy, for tensors and language models alike: holds its price against the
 * client's deposit, picks nodes, fails over, hedges, compares answers, pays the nodes whose answers were used, and
 * turns disagreements into evidence and quarantine. It reaches nodes only through {@link NodeCall}, compares
 * through {@link Agreement} and prices through {@link Pricing}; time comes from the injected {@link Clock} and
 * audit draws from the injected random source.
 */
public final class PolicyEngine {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyEngine.class);
    /** The header that names a request's policy on both APIs, when its body does not. */
    public static final String POLICY_HEADER = "Verity-Policy";

    /**
     * One client request, resolved: the model pinned by digest, the call every node gets.
     *
     * @param recall the same request for audits and re-asks, whose answer is read whole (a stream, unstreamed)
     * @param maxUnits the most {@link Pricing#units} an answer may count, for the deposit hold
     */
    public record Request<C, A extends Answer>(Keccak256 requestId, Keccak256 model, Policy policy, C call, C recall,
            Duration hedgeAfter, long maxUnits, NodeCall<C, A> caller, Agreement<A> agreement, Pricing<A> pricing) {}

    /** What the client gets: the answer used, every answer behind it, the verdict, payments and attempts. */
    public record Outcome<A extends Answer>(A primary, List<A> supporting, Decision<A> verdict, List<Payment> payments,
            List<Attempt> attempts) {
        /** The payment for the primary answer, if it was paid. */
        public Optional<Payment> primaryPayment() {
            return payments.stream().filter(p -> p.node().equals(primary.node().address)).findFirst();
        }
    }

    /**
     * How the answer was reached, with the answers themselves: what the client reads as {@link AnswerVerdict}
     * ({@link #toWire}), or in the language-model routes' {@code verity.verdict}.
     *
     * @param comparison what the agreement rests on ({@link Agreement#comparison})
     */
    public record Decision<A extends Answer>(AnswerVerdict.Status status, int asked, int agreeing, String comparison,
            List<A> dissent, AnswerVerdict.Audit audit) {
        /**
         * The verdict of {@code POST /v1/infer}: dissent by signer, receipt and outputs digest.
         *
         * @throws IllegalArgumentException when {@link #comparison} is not one {@link AnswerVerdict.Comparison} names
         */
        public AnswerVerdict toWire() {
            List<AnswerVerdict.Dissent> ds = dissent.stream().map(d -> new AnswerVerdict.Dissent(d.signer(),
                    d.receipt().id(), d.receipt().receipt().outputsDigest())).toList();
            return new AnswerVerdict(status, asked, agreeing, AnswerVerdict.Comparison.fromWireName(comparison), ds, audit);
        }
    }

    /** Relays one node's answer to the client as it comes (a stream), for {@link #stream}. */
    @FunctionalInterface
    public interface Relay<A extends Answer> {
        /**
         * Adds its attempt to {@code attempts}. Calls {@code settle} once the answer's receipt passed, before the
         * client gets the receipt: that pays and gives the verdict to add to it.
         *
         * @return true when the client got its answer (or, after its first token, an error); false to fail over
         * @throws Rejected when the node refuses the request itself
         */
        boolean relay(NodeState node, List<Attempt> attempts, Function<A, Outcome<A>> settle) throws InterruptedException;
    }

    /** The node refused the request itself: the client's mistake, relayed as the node said it, no other node asked. */
    public static final class Rejected extends RuntimeException {
        public final NodeResult.Failed<?> failure;
        public final List<Attempt> attempts;

        public Rejected(NodeResult.Failed<?> failure, List<Attempt> attempts) {
            super(failure.attempt().detail(), null, false, false);
            this.failure = failure;
            this.attempts = List.copyOf(attempts);
        }
    }

    private final Supplier<Collection<NodeState>> nodes;
    private final TeeGate tee;
    private final Routing routing;
    private final Optional<Payments> payer;
    private final EvidenceLog evidence;
    private final Optional<SettlementClient> settlement;
    private final Sampling sampling;
    private final Duration quarantine;
    private final int maxAttempts;
    private final Executor background;
    private final Clock clock;
    private final DoubleSupplier random;

    /**
     * @param nodes every node the gateway knows now
     * @param background where audits and equivocation probes run
     * @param random draws in [0, 1) deciding sampled audits
     */
    public PolicyEngine(Supplier<Collection<NodeState>> nodes, TeeGate tee, Routing routing, Optional<Payments> payer,
            EvidenceLog evidence, Optional<SettlementClient> settlement, Sampling sampling, Duration quarantine,
            int maxAttempts, Executor background, Clock clock, DoubleSupplier random) {
        this.nodes = nodes;
        this.tee = tee;
        this.routing = routing;
        this.payer = payer;
        this.evidence = evidence;
        this.settlement = settlement;
        this.sampling = sampling;
        this.quarantine = quarantine;
        this.maxAttempts = maxAttempts;
        this.background = background;
        this.clock = clock;
        this.random = random;
    }

    /** Runs a request whose answers are read whole (every policy). */
    public <C, A extends Answer> Outcome<A> run(Request<C, A> req) throws InterruptedException {
        // A client whose deposit cannot pay the answer is told so before any node works for it (issue 13, item 5).
        try (Payments.Hold hold = hold(req)) {
            return switch (req.policy()) {
                case Policy.None n -> single(req, candidates(req));
                case Policy.Tee t -> single(req, candidates(req));
                case Policy.Sample s -> single(req, candidates(req));
                case Policy.Redundant r -> redundant(req, r);
            };
        }
    }

    /**
     * Runs a one-answer request (none, tee, sample) whose answer {@code relay} passes on as it comes. A node that
     * fails before the client saw anything of its answer is replaced by the next; the hold lasts until the end.
     */
    public <C, A extends Answer> void stream(Request<C, A> req, Relay<A> relay) throws InterruptedException {
        if (req.policy() instanceof Policy.Redundant) throw new IllegalArgumentException("redundant answers are compared whole");
        try (Payments.Hold hold = hold(req)) {
            Collection<NodeState> pool = candidates(req);
            List<Attempt> attempts = new ArrayList<>();
            Set<EvmAddress> tried = new HashSet<>();
            while (attempts.size() < maxAttempts && timeouts(attempts) < STREAM_TIMEOUTS) {
                List<NodeState> ranked = routing.rank(pool, req.model(), tried, clock.instant());
                if (ranked.isEmpty()) break;
                NodeState node = ranked.get(0);
                tried.add(node.address);
                if (relay.relay(node, attempts, a -> settle(req, a, attempts))) return;
            }
            if (timeouts(attempts) >= STREAM_TIMEOUTS) {
                throw NodeAttempts.failed(ProblemKind.NO_VALID_ANSWER, STREAM_TIMEOUTS + " nodes sent no first token within the"
                        + " gateway's request timeout; the request is not tried on more (one that hangs an engine would hang"
                        + " each node it reaches); nothing was charged", attempts);
            }
            throw noAnswer(req, attempts);
        }
    }

    /** The nodes a request for {@code model} would be sent to now, best first. */
    List<NodeState> routingOrder(Keccak256 model) {
        return routing.rank(nodes.get(), model, Set.of(), clock.instant());
    }

    private Payments.Hold hold(Request<?, ?> req) {
        return payer.isPresent() ? payer.get().hold(cost(req)) : null;
    }

    /** The most the answer may cost: the dearest node that could serve it, times the answers the policy pays for. */
    private BigInteger cost(Request<?, ?> req) {
        BigInteger dearest = BigInteger.ZERO;
        for (NodeState n : candidates(req)) {
            if (n.canServe(req.model(), clock.instant())) dearest = dearest.max(n.price());
        }
        return dearest.multiply(BigInteger.valueOf(req.maxUnits())).multiply(BigInteger.valueOf(answersPaid(req.policy())));
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

    /** The nodes a request may use: for {@code tee} only those whose evidence passes {@link TeeGate}, and at least one. */
    private Collection<NodeState> candidates(Request<?, ?> req) {
        if (!(req.policy() instanceof Policy.Tee)) return nodes.get();
        List<NodeState> admitted = tee.admitted(nodes.get(), clock.instant());
        if (admitted.isEmpty()) throw tee.noneAdmitted(nodes.get());
        return admitted;
    }

    // ---- none, tee, sample: one answer, with failover and an optional hedge -----------------------------

    private <C, A extends Answer> Outcome<A> single(Request<C, A> req, Collection<NodeState> pool) throws InterruptedException {
        List<Attempt> attempts = new ArrayList<>();
        A answer = firstValid(req, req.call(), pool, new HashSet<>(), attempts);
        return settle(req, answer, attempts);
    }

    /** Pays one answer and gives its verdict; under {@code sample:p} draws its audit and, drawn, schedules it. */
    private <C, A extends Answer> Outcome<A> settle(Request<C, A> req, A answer, List<Attempt> attempts) {
        AnswerVerdict.Status status = AnswerVerdict.Status.SINGLE;
        AnswerVerdict.Audit audit = AnswerVerdict.Audit.NONE;
        if (req.policy() instanceof Policy.Sample s) {
            status = AnswerVerdict.Status.SAMPLED;
            if (random.getAsDouble() < sampling.probability(s.p(), answer.node())) {
                audit = AnswerVerdict.Audit.SCHEDULED;
                background.execute(() -> audit(req, answer));
            }
        }
        List<Payment> paid = pay(req, List.of(answer));
        Decision<A> v = new Decision<>(status, 1, 1, req.agreement().comparison(List.of(answer)), List.of(), audit);
        return new Outcome<>(answer, List.of(answer), v, paid, List.copyOf(attempts));
    }

    /**
     * Asks the best node; on a node's failure (connection error, timeout, 5xx, bad receipt) asks the next. With a
     * hedge delay, a second node is asked when the first has not answered by then, and the first valid answer wins.
     * A failure the node blames on the request ends the request at once ({@link Rejected}).
     */
    private <C, A extends Answer> A firstValid(Request<C, A> req, C call, Collection<NodeState> pool, Set<EvmAddress> tried,
            List<Attempt> attempts) throws InterruptedException {
        while (attempts.size() < maxAttempts) {
            List<NodeState> ranked = routing.rank(pool, req.model(), tried, clock.instant());
            if (ranked.isEmpty()) break;
            LinkedBlockingQueue<NodeResult<A>> done = new LinkedBlockingQueue<>();
            List<NodeState> called = new ArrayList<>(List.of(ranked.get(0)));
            List<CompletableFuture<NodeResult<A>>> inflight = new ArrayList<>();
            inflight.add(launch(req, call, ranked.get(0), tried, done));
            NodeResult<A> first = req.hedgeAfter().isZero() ? done.take()
                    : done.poll(req.hedgeAfter().toNanos(), TimeUnit.NANOSECONDS);
            if (first == null) {
                if (ranked.size() > 1) {
                    called.add(ranked.get(1));
                    inflight.add(launch(req, call, ranked.get(1), tried, done));
                }
                first = done.take();
            }
            NodeResult<A> chosen = first;
            if (!(first instanceof NodeResult.Answered) && inflight.size() > 1) {
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
            switch (chosen) {
                case NodeResult.Answered<A> a -> {
                    // A hedge that answered too but lost the race is neither used nor paid.
                    for (NodeResult<A> r : done) {
                        if (r instanceof NodeResult.Answered<A> late) attempts.add(unused(late.answer()));
                    }
                    return a.answer();
                }
                case NodeResult.Failed<A> f -> {
                    if (f.clientFault()) throw new Rejected(f, attempts);
                    LOG.info("node {} failed on request {} ({}: {}); trying the next", f.attempt().node(), req.requestId(),
                            f.attempt().outcome(), f.attempt().detail());
                }
            }
        }
        throw noAnswer(req, attempts);
    }

    private <C, A extends Answer> CompletableFuture<NodeResult<A>> launch(Request<C, A> req, C call, NodeState n,
            Set<EvmAddress> tried, LinkedBlockingQueue<NodeResult<A>> done) {
        tried.add(n.address);
        CompletableFuture<NodeResult<A>> f = req.caller().call(n, call);
        f.whenComplete((r, e) -> {
            if (r != null) done.add(r);
            else if (!(e instanceof CancellationException)) {
                done.add(NodeResult.Failed.of(new Attempt(n.address, n.url(), "io-error", 0, String.valueOf(e))));
            }
        });
        return f;
    }

    private static Attempt unused(Answer a) {
        Attempt at = a.attempt();
        return new Attempt(at.node(), at.url(), "unused", at.ms(), "answered after another node; not paid");
    }

    /**
     * First-token timeouts after which a stream is not tried on another node. A node kills a worker that hangs only
     * after its stall limit (--llm-stall-ms, 120 s), longer than the gateway's first-token timeout, so the node cannot
     * refuse such a request by name in time: two silent nodes already say the request, not a node, is the likely cause.
     */
    static final int STREAM_TIMEOUTS = 2;

    private static long timeouts(List<Attempt> attempts) {
        return attempts.stream().filter(a -> a.outcome().equals("timeout")).count();
    }

    private static ProblemException noAnswer(Request<?, ?> req, List<Attempt> attempts) {
        if (attempts.isEmpty()) {
            return ProblemKind.UNKNOWN_MODEL.exception("no healthy, staked, unquarantined node serves model "
                    + req.model() + " now; GET /v1/models lists what the network serves");
        }
        if (attempts.stream().allMatch(a -> a.outcome().equals(Attempt.SUBSTITUTION))) {
            return NodeAttempts.failed(ProblemKind.NO_VALID_ANSWER, "no node served the model asked for ("
                    + attempts.getFirst().detail() + "); nothing was charged", attempts);
        }
        return NodeAttempts.failed(ProblemKind.NO_VALID_ANSWER, "no node produced a valid answer after "
                + attempts.size() + " attempt(s); nothing was charged", attempts);
    }

    // ---- redundant:k -------------------------------------------------------------------------------------

    private <C, A extends Answer> Outcome<A> redundant(Request<C, A> req, Policy.Redundant policy) throws InterruptedException {
        List<NodeState> ranked = routing.rank(nodes.get(), req.model(), Set.of(), clock.instant());
        if (ranked.isEmpty()) throw noAnswer(req, List.of());
        if (ranked.size() < policy.k()) {
            throw ProblemKind.NOT_ENOUGH_NODES.exception(policy.wireName() + " needs " + policy.k()
                    + " nodes of distinct operators serving " + req.model() + "; " + ranked.size() + " available now");
        }
        List<Attempt> attempts = new ArrayList<>();
        List<A> answers = new ArrayList<>();
        Set<EvmAddress> tried = new HashSet<>();
        LinkedBlockingQueue<NodeResult<A>> done = new LinkedBlockingQueue<>();
        int pending = 0;
        for (int i = 0; i < policy.k(); i++) {
            launch(req, req.call(), ranked.get(i), tried, done);
            pending++;
        }
        List<List<A>> groups;
        while (true) {
            if (pending == 0) {
                groups = group(answers, req.agreement());
                List<A> best = groups.isEmpty() ? List.of() : groups.get(0);
                boolean decided = best.size() >= policy.quorum() && (groups.size() < 2 || groups.get(1).size() < best.size());
                if (decided) break;
                // Too few answers (failures) or a split: ask one more node, of an operator not asked yet.
                List<NodeState> more = routing.rank(nodes.get(), req.model(), tried, clock.instant());
                if (more.isEmpty() || attempts.size() >= maxAttempts + policy.k()) {
                    if (answers.size() < policy.quorum() && groups.size() < 2) {
                        throw NodeAttempts.failed(ProblemKind.NO_VALID_ANSWER, "only " + answers.size() + " of "
                                + policy.k() + " nodes produced a valid answer; nothing was charged", attempts);
                    }
                    recordSplit(req, groups);
                    throw NodeAttempts.failed(ProblemKind.NO_MAJORITY, "answers split " + sizes(groups)
                            + " and no further node can break the tie; nothing was charged", attempts);
                }
                launch(req, req.call(), more.get(0), tried, done);
                pending++;
            }
            NodeResult<A> r = done.take();
            pending--;
            attempts.add(r.attempt());
            switch (r) {
                case NodeResult.Answered<A> a -> answers.add(a.answer());
                case NodeResult.Failed<A> f -> {
                    if (f.clientFault()) throw new Rejected(f, attempts);
                }
            }
        }
        List<A> winners = groups.get(0);
        List<A> dissent = new ArrayList<>();
        for (int i = 1; i < groups.size(); i++) dissent.addAll(groups.get(i));
        for (A d : dissent) accuse(req, EvidenceLog.Kind.MINORITY, d, winners);
        List<Payment> paid = pay(req, winners);
        Decision<A> v = new Decision<>(dissent.isEmpty() ? AnswerVerdict.Status.AGREED : AnswerVerdict.Status.MAJORITY,
                answers.size(), winners.size(), req.agreement().comparison(winners), dissent, AnswerVerdict.Audit.NONE);
        return new Outcome<>(winners.get(0), winners, v, paid, attempts);
    }

    /** Groups equivalent answers, largest group first (ties: the group answered first). */
    static <A extends Answer> List<List<A>> group(List<A> answers, Agreement<A> agreement) {
        List<List<A>> groups = new ArrayList<>();
        for (A a : answers) {
            List<A> home = null;
            for (List<A> g : groups) {
                if (agreement.same(g.get(0), a)) {
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

    private static String sizes(List<? extends List<?>> groups) {
        StringBuilder sb = new StringBuilder();
        for (List<?> g : groups) sb.append(sb.isEmpty() ? "" : "/").append(g.size());
        return sb.toString();
    }

    private void recordSplit(Request<?, ?> req, List<? extends List<? extends Answer>> groups) {
        for (List<? extends Answer> g : groups) {
            for (Answer a : g) {
                evidence.append(new EvidenceLog.Entry(clock.instant(), EvidenceLog.Kind.UNRESOLVED, a.signer(),
                        req.requestId(), req.model(), req.policy().wireName(), List.of(a.receipt()), List.of(),
                        Optional.empty()));
            }
        }
    }

    // ---- sample:p audits -----------------------------------------------------------------------------------

    /** Re-runs the request on another node; on a mismatch a third node referees and the outvoted one is accused. */
    private <C, A extends Answer> void audit(Request<C, A> req, A original) {
        try {
            Set<EvmAddress> tried = new HashSet<>(Set.of(original.node().address));
            Agreement<A> agree = req.agreement();
            A check = firstValid(req, req.recall(), nodes.get(), tried, new ArrayList<>());
            original.node().audits.incrementAndGet();
            if (agree.same(original, check)) {
                pay(req, List.of(check));
                return;
            }
            A referee;
            try {
                referee = firstValid(req, req.recall(), nodes.get(), tried, new ArrayList<>());
            } catch (ProblemException noReferee) {
                for (A a : List.of(original, check)) unresolved(req, a);
                return;
            }
            if (agree.same(check, referee)) {
                pay(req, List.of(check, referee));
                accuse(req, EvidenceLog.Kind.AUDIT_MISMATCH, original, List.of(check, referee));
            } else if (agree.same(original, referee)) {
                pay(req, List.of(referee));
                accuse(req, EvidenceLog.Kind.AUDIT_MISMATCH, check, List.of(original, referee));
            } else {
                LOG.warn("audit of request {}: three nodes gave three different answers", req.requestId());
            }
        } catch (ProblemException | Rejected e) {
            LOG.info("audit of request {} could not run: {}", req.requestId(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("audit of request {} failed", req.requestId(), e);
        }
    }

    /** Records an unresolved disagreement (no referee could decide) against one answer. */
    private void unresolved(Request<?, ?> req, Answer a) {
        a.node().recordFailure(0);
        evidence.append(new EvidenceLog.Entry(clock.instant(), EvidenceLog.Kind.UNRESOLVED, a.node().address, req.requestId(),
                req.model(), req.policy().wireName(), List.of(a.receipt()), List.of(), Optional.empty()));
    }

    // ---- consequences ------------------------------------------------------------------------------------

    /**
     * Records the evidence, quarantines the node until the clock passes the quarantine, and asks it the same
     * request once more (in the background, only with a chain to report to): two different signed answers to one
     * request are equivocation, which Settlement slashes on the spot.
     */
    private <C, A extends Answer> void accuse(Request<C, A> req, EvidenceLog.Kind kind, A accused, List<A> majority) {
        NodeState node = accused.node();
        node.recordDissent(clock.instant().plus(quarantine));
        LOG.warn("node {} disagreed with {} other node(s) on request {} ({}); quarantined for {}", node.address,
                majority.size(), req.requestId(), kind.wire, quarantine);
        List<SignedReceipt> against = majority.stream().map(Answer::receipt).toList();
        evidence.append(new EvidenceLog.Entry(clock.instant(), kind, node.address, req.requestId(), req.model(),
                req.policy().wireName(), List.of(accused.receipt()), against, Optional.empty()));
        if (settlement.isPresent()) background.execute(() -> probeEquivocation(req, accused, against));
    }

    private <C, A extends Answer> void probeEquivocation(Request<C, A> req, A accused, List<SignedReceipt> majority) {
        SignedReceipt first = accused.receipt();
        SignedReceipt second;
        try {
            if (!(req.caller().call(accused.node(), req.recall()).join() instanceof NodeResult.Answered<A> again)) return;
            second = again.answer().receipt();
        } catch (RuntimeException e) {
            return;
        }
        if (first.receipt().outputsDigest().equals(second.receipt().outputsDigest())) return;
        TxOutcome tx = settlement.get().reportEquivocation(first, second);
        String txText = tx instanceof TxOutcome.Confirmed c ? c.txHash().toString() : tx.toString();
        LOG.warn("node {} signed two different answers to request {}: reported equivocation on chain ({})",
                first.receipt().node(), req.requestId(), txText);
        evidence.append(new EvidenceLog.Entry(clock.instant(), EvidenceLog.Kind.EQUIVOCATION, first.receipt().node(),
                req.requestId(), req.model(), req.policy().wireName(), List.of(first, second), majority, Optional.of(txText)));
    }

    /** Pays each used answer the lower of the price it signed and its registered price times its units. */
    private <A extends Answer> List<Payment> pay(Request<?, A> req, List<A> used) {
        if (payer.isEmpty()) return List.of();
        List<Payment> out = new ArrayList<>();
        for (A a : used) {
            BigInteger registered = a.node().price().multiply(BigInteger.valueOf(req.pricing().units(a)));
            BigInteger price = a.receipt().receipt().price().min(registered);
            if (price.signum() > 0) out.add(payer.get().pay(a.node(), price));
        }
        return out;
    }
}
