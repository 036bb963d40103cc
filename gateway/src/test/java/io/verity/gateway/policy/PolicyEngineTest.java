package io.verity.gateway.policy;

import io.verity.protocol.wire.AnswerVerdict;
import io.verity.protocol.wire.Payment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.gateway.evidence.EvidenceLog;
import io.verity.gateway.pay.Payer;
import io.verity.gateway.pay.Payments;
import io.verity.gateway.routing.Attempt;
import io.verity.gateway.routing.NodeState;
import io.verity.gateway.routing.Routing;
import io.verity.gateway.routing.TestNodes;
import io.verity.gateway.tee.TeeGate;
import io.verity.gateway.tee.TeeSettings;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.VerificationMode;
import io.verity.protocol.wire.ProblemException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy engine against fake nodes: in-memory {@link NodeCall}s that answer, fail, refuse or hang as each test
 * says, with the clock, the audit draws and the payments injected. The real nodes behind the same interface are
 * covered by GatewayIT, GatewayLlmPoliciesIT, NetworkFaultsIT and ChaosIT.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(10)
class PolicyEngineTest {
    static final Keccak256 MODEL = Keccak256.hash("model".getBytes(StandardCharsets.UTF_8));
    static final Keccak256 REQUEST = Keccak256.hash("request".getBytes(StandardCharsets.UTF_8));
    static final Duration QUARANTINE = Duration.ofMinutes(10);

    /** An answer: its text, signed by the node that gave it at the price it names. */
    record FakeAnswer(NodeState node, SignedReceipt receipt, Attempt attempt, String text) implements Answer {}

    /** What each fake node does when called; unset nodes answer "ok". */
    final Map<EvmAddress, Function<NodeState, CompletableFuture<NodeResult<FakeAnswer>>>> behaviour = new ConcurrentHashMap<>();
    final List<EvmAddress> called = new CopyOnWriteArrayList<>();
    final NodeCall<String, FakeAnswer> fakeNode = (node, request) -> {
        called.add(node.address);
        return behaviour.getOrDefault(node.address, n -> answers(n, "ok")).apply(node);
    };
    static final Agreement<FakeAnswer> SAME_TEXT = Agreement.byKey(FakeAnswer::text, "none", "text");

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final List<NodeState> nodes = new ArrayList<>();
    final Map<EvmAddress, NodeKey> keys = new ConcurrentHashMap<>();
    final FakePayments payments = new FakePayments();
    final List<Runnable> background = new CopyOnWriteArrayList<>();
    double draw = 0.99;
    EvidenceLog evidence;
    PolicyEngine engine;

    @BeforeEach
    void start(@TempDir Path home) {
        evidence = new EvidenceLog(home);
        for (int i = 1; i <= 4; i++) nodes.add(node(i, 10));
        TeeGate tee = new TeeGate(new TeeSettings(Optional.empty(), Duration.ofHours(1), Optional.empty()), null, null,
                Duration.ofSeconds(1), clock);
        engine = new PolicyEngine(() -> nodes, tee, Routing.DEFAULT, Optional.of(payments), evidence, Optional.empty(),
                new Sampling(0.5, 1.0), QUARANTINE, 3, background::add, clock, () -> draw);
    }

    @AfterEach
    void stop() {
        evidence.close();
    }

    // ---- failover and the failure taxonomy -------------------------------------------------------------

    @Test
    void a_node_fault_is_failed_over_to_the_next_node_which_answers() throws Exception {
        NodeState first = rankedFirst();
        behaviour.put(first.address, n -> fails(n, 503, "{\"source\":\"node\",\"retryable\":true}"));

        var out = engine.run(request(Policy.NONE));

        assertThat(out.primary().node()).isNotEqualTo(first);
        assertThat(out.attempts()).extracting(Attempt::outcome).containsExactly("http-503", "ok");
        assertThat(out.verdict().status()).isEqualTo(AnswerVerdict.Status.SINGLE);
        assertThat(called).hasSize(2).doesNotHaveDuplicates();
    }

    @Test
    void an_engine_fault_is_contained_in_its_node_and_the_request_goes_on_to_the_next() throws Exception {
        NodeState first = rankedFirst();
        behaviour.put(first.address, n -> fails(n, 503, "{\"source\":\"engine\",\"retryable\":true}"));

        var out = engine.run(request(Policy.NONE));

        assertThat(out.primary().text()).isEqualTo("ok");
        assertThat(out.primary().node()).isNotEqualTo(first);
    }

    @Test
    void a_request_the_node_blames_on_the_client_is_not_carried_to_another_node() {
        NodeState first = rankedFirst();
        behaviour.put(first.address, n -> fails(n, 422, "{\"source\":\"request\",\"retryable\":false,\"detail\":\"bad shape\"}"));

        assertThatThrownBy(() -> engine.run(request(Policy.NONE)))
                .isInstanceOfSatisfying(PolicyEngine.Rejected.class, r -> {
                    assertThat(r.failure.status()).isEqualTo(422);
                    assertThat(r.attempts).extracting(Attempt::outcome).containsExactly("http-422");
                });
        assertThat(called).containsExactly(first.address);
        assertThat(payments.paid).isEmpty();
    }

    @Test
    void a_payers_refusal_is_not_failed_over_but_a_429_is() throws Exception {
        NodeState first = rankedFirst();
        behaviour.put(first.address, n -> fails(n, 402, "{}"));
        assertThatThrownBy(() -> engine.run(request(Policy.NONE))).isInstanceOf(PolicyEngine.Rejected.class);
        assertThat(called).containsExactly(first.address);

        called.clear();
        behaviour.put(first.address, n -> fails(n, 429, "{\"source\":\"node\",\"retryable\":true}"));
        assertThat(engine.run(request(Policy.NONE)).attempts()).extracting(Attempt::outcome).containsExactly("http-429", "ok");
    }

    @Test
    void a_5xx_is_the_nodes_fault_whatever_its_body_says() throws Exception {
        NodeState first = rankedFirst();
        behaviour.put(first.address, n -> fails(n, 500, "{\"source\":\"request\",\"retryable\":false}"));

        assertThat(engine.run(request(Policy.NONE)).primary().node()).isNotEqualTo(first);
    }

    @Test
    void when_every_attempt_fails_the_client_gets_the_attempts_and_pays_nothing() {
        for (NodeState n : nodes) behaviour.put(n.address, x -> fails(x, 503, ""));

        assertThatThrownBy(() -> engine.run(request(Policy.NONE)))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.problem().status()).isEqualTo(502);
                    assertThat(e.problem().detail()).isEqualTo("no node produced a valid answer after 3 attempt(s); nothing was charged");
                    assertThat(e.problem().extensions().get("attempts")).hasSize(3);
                });
        assertThat(payments.paid).isEmpty();
        assertThat(payments.held).isZero();
    }

    @Test
    void a_model_no_node_serves_is_a_404_and_no_node_is_called() {
        nodes.clear();
        assertThatThrownBy(() -> engine.run(request(Policy.NONE)))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().status()).isEqualTo(404));
        assertThat(called).isEmpty();
    }

    // ---- hedging -----------------------------------------------------------------------------------------

    @Test
    void a_hedge_asks_a_second_node_when_the_first_is_slow_and_cancels_the_loser() throws Exception {
        NodeState slow = rankedFirst();
        CompletableFuture<NodeResult<FakeAnswer>> never = new CompletableFuture<>();
        behaviour.put(slow.address, n -> never);

        var out = engine.run(request(Policy.NONE, Duration.ofMillis(1)));

        assertThat(out.primary().node()).isNotEqualTo(slow);
        assertThat(never).isCancelled();
        assertThat(out.attempts()).extracting(Attempt::outcome).containsExactlyInAnyOrder("ok", "cancelled");
        assertThat(payments.paid).hasSize(1).first().extracting(Payment::node).isEqualTo(out.primary().node().address);
    }

    @Test
    void a_hedged_pair_that_both_fail_still_fails_over_to_a_third_node() throws Exception {
        NodeState slow = rankedFirst();
        CompletableFuture<NodeResult<FakeAnswer>> late = new CompletableFuture<>();
        behaviour.put(slow.address, n -> late);
        NodeState second = engine.routingOrder(MODEL).get(1);
        behaviour.put(second.address, n -> {
            late.complete(NodeResult.Failed.of(new Attempt(slow.address, slow.url(), "timeout", 0, "")));
            return fails(n, 503, "");
        });

        var out = engine.run(request(Policy.NONE, Duration.ofMillis(1)));

        assertThat(out.primary().text()).isEqualTo("ok");
        assertThat(out.primary().node()).isNotIn(slow, second);
    }

    // ---- redundant:k ---------------------------------------------------------------------------------------

    @Test
    void redundant_answers_that_agree_are_all_paid() throws Exception {
        var out = engine.run(request(new Policy.Redundant(3)));

        assertThat(out.verdict().status()).isEqualTo(AnswerVerdict.Status.AGREED);
        assertThat(out.verdict().asked()).isEqualTo(3);
        assertThat(out.verdict().agreeing()).isEqualTo(3);
        assertThat(out.verdict().comparison()).isEqualTo("text");
        assertThat(out.supporting()).hasSize(3);
        assertThat(payments.paid).hasSize(3);
    }

    @Test
    void the_minority_is_accused_quarantined_and_not_paid_until_its_quarantine_ends() throws Exception {
        List<NodeState> order = engine.routingOrder(MODEL);
        NodeState liar = order.get(1);
        behaviour.put(liar.address, n -> answers(n, "lie"));

        var out = engine.run(request(new Policy.Redundant(3)));

        assertThat(out.verdict().status()).isEqualTo(AnswerVerdict.Status.MAJORITY);
        assertThat(out.verdict().dissent()).extracting(FakeAnswer::node).containsExactly(liar);
        assertThat(out.primary().text()).isEqualTo("ok");
        assertThat(payments.paid).extracting(Payment::node).doesNotContain(liar.address).hasSize(2);
        assertThat(evidence.recent()).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(EvidenceLog.Kind.MINORITY);
            assertThat(e.node()).isEqualTo(liar.address);
            assertThat(e.majority()).hasSize(2);
        });
        assertThat(liar.quarantined(clock.instant())).isTrue();
        assertThat(engine.routingOrder(MODEL)).doesNotContain(liar);

        clock.advance(QUARANTINE.minusSeconds(1));
        assertThat(engine.routingOrder(MODEL)).doesNotContain(liar);
        clock.advance(Duration.ofSeconds(2));
        assertThat(engine.routingOrder(MODEL)).contains(liar);
    }

    @Test
    void a_split_asks_one_more_node_to_break_the_tie() throws Exception {
        List<NodeState> order = engine.routingOrder(MODEL);
        behaviour.put(order.get(1).address, n -> answers(n, "other"));

        var out = engine.run(request(new Policy.Redundant(2)));

        assertThat(out.verdict().status()).isEqualTo(AnswerVerdict.Status.MAJORITY);
        assertThat(out.verdict().asked()).isEqualTo(3);
        assertThat(out.verdict().agreeing()).isEqualTo(2);
        assertThat(order.get(1).quarantined(clock.instant())).isTrue();
    }

    @Test
    void a_split_no_node_can_break_is_a_502_recorded_as_unresolved_and_nothing_is_paid() {
        nodes.subList(2, nodes.size()).clear();
        behaviour.put(nodes.get(0).address, n -> answers(n, "a"));
        behaviour.put(nodes.get(1).address, n -> answers(n, "b"));

        assertThatThrownBy(() -> engine.run(request(new Policy.Redundant(2))))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.problem().type()).isEqualTo("urn:verity:problem:no-majority");
                    assertThat(e.problem().detail()).startsWith("answers split 1/1");
                });
        assertThat(evidence.recent()).extracting(EvidenceLog.Entry::kind).containsOnly(EvidenceLog.Kind.UNRESOLVED).hasSize(2);
        assertThat(payments.paid).isEmpty();
    }

    @Test
    void redundant_needs_k_nodes_before_any_is_called() {
        assertThatThrownBy(() -> engine.run(request(new Policy.Redundant(5))))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().status()).isEqualTo(503));
        assertThat(called).isEmpty();
    }

    @Test
    void a_failed_redundant_answer_is_replaced_by_another_nodes() throws Exception {
        behaviour.put(engine.routingOrder(MODEL).get(0).address, n -> fails(n, 503, ""));

        var out = engine.run(request(new Policy.Redundant(2)));

        assertThat(out.verdict().status()).isEqualTo(AnswerVerdict.Status.AGREED);
        assertThat(out.verdict().agreeing()).isEqualTo(2);
        assertThat(out.attempts()).extracting(Attempt::outcome).containsExactlyInAnyOrder("http-503", "ok", "ok");
    }

    // ---- sample:p audits -----------------------------------------------------------------------------------

    @Test
    void a_sampled_answer_not_drawn_for_audit_asks_no_other_node() throws Exception {
        draw = 0.99;
        var out = engine.run(request(new Policy.Sample(0.1)));

        assertThat(out.verdict().status()).isEqualTo(AnswerVerdict.Status.SAMPLED);
        assertThat(out.verdict().audit()).isEqualTo(AnswerVerdict.Audit.NONE);
        assertThat(background).isEmpty();
        assertThat(called).hasSize(1);
    }

    @Test
    void an_audit_that_disagrees_and_a_referee_that_sides_with_it_accuse_the_original() throws Exception {
        draw = 0.0;
        NodeState original = rankedFirst();
        behaviour.put(original.address, n -> answers(n, "lazy"));

        var out = engine.run(request(new Policy.Sample(0.1)));
        assertThat(out.verdict().audit()).isEqualTo(AnswerVerdict.Audit.SCHEDULED);
        assertThat(background).hasSize(1);
        background.remove(0).run();

        assertThat(called).hasSize(3).doesNotHaveDuplicates();
        assertThat(evidence.recent()).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(EvidenceLog.Kind.AUDIT_MISMATCH);
            assertThat(e.node()).isEqualTo(original.address);
        });
        assertThat(original.quarantined(clock.instant())).isTrue();
        assertThat(payments.paid).hasSize(3); // the answer, the check and the referee
    }

    @Test
    void an_audit_that_agrees_pays_the_check_and_accuses_no_one() throws Exception {
        draw = 0.0;
        engine.run(request(new Policy.Sample(0.1)));
        background.remove(0).run();

        assertThat(called).hasSize(2);
        assertThat(evidence.recent()).isEmpty();
        assertThat(payments.paid).hasSize(2);
    }

    @Test
    void an_audit_without_a_referee_records_both_answers_as_unresolved() throws Exception {
        draw = 0.0;
        nodes.subList(2, nodes.size()).clear();
        behaviour.put(rankedFirst().address, n -> answers(n, "a"));

        engine.run(request(new Policy.Sample(0.1)));
        background.remove(0).run();

        assertThat(evidence.recent()).extracting(EvidenceLog.Entry::kind).containsExactly(EvidenceLog.Kind.UNRESOLVED,
                EvidenceLog.Kind.UNRESOLVED);
        assertThat(nodes).noneMatch(n -> n.quarantined(clock.instant()));
    }

    // ---- payment -------------------------------------------------------------------------------------------

    @Test
    void the_deposit_is_held_for_every_answer_the_policy_may_pay_and_released_after() throws Exception {
        TestNodes.register(nodes.get(2), 30, BigInteger.TEN.pow(18), List.of(MODEL));

        engine.run(request(new Policy.Redundant(2), Duration.ZERO, 5));

        assertThat(payments.holds).containsExactly(BigInteger.valueOf(30 * 5 * 2)); // dearest price × units × answers
        assertThat(payments.held).isZero();
    }

    @Test
    void a_deposit_that_cannot_pay_is_refused_before_any_node_works() {
        payments.deposit = BigInteger.ONE;

        assertThatThrownBy(() -> engine.run(request(Policy.NONE))).isInstanceOf(Payer.DepositShort.class);
        assertThat(called).isEmpty();
        assertThat(payments.held).isZero();
    }

    @Test
    void an_answer_is_paid_the_lower_of_its_signed_and_its_registered_price() throws Exception {
        NodeState first = rankedFirst();
        behaviour.put(first.address, n -> CompletableFuture.completedFuture(new NodeResult.Answered<>(answer(n, "ok", 1000))));

        engine.run(request(Policy.NONE, Duration.ZERO, 3));

        assertThat(payments.paid).singleElement().extracting(Payment::amount).isEqualTo(BigInteger.valueOf(10 * 3));
    }

    @Test
    void a_streamed_answer_fails_over_until_a_node_relays_it_and_is_settled_once() throws Exception {
        List<EvmAddress> relayed = new ArrayList<>();
        List<PolicyEngine.Outcome<FakeAnswer>> settled = new ArrayList<>();
        engine.stream(request(Policy.NONE), (node, attempts, settle) -> {
            relayed.add(node.address);
            if (relayed.size() == 1) {
                attempts.add(new Attempt(node.address, node.url(), "http-503", 0, ""));
                return false;
            }
            FakeAnswer a = answer(node, "ok", 10);
            attempts.add(a.attempt());
            settled.add(settle.apply(a));
            return true;
        });

        assertThat(relayed).hasSize(2).doesNotHaveDuplicates();
        assertThat(settled).singleElement().satisfies(o -> {
            assertThat(o.attempts()).extracting(Attempt::outcome).containsExactly("http-503", "ok");
            assertThat(o.primaryPayment()).isPresent();
        });
        assertThat(payments.held).isZero();
    }

    @Test
    void a_stream_no_node_starts_in_time_is_not_carried_past_two_nodes() {
        List<EvmAddress> relayed = new ArrayList<>();
        assertThatThrownBy(() -> engine.stream(request(Policy.NONE), (node, attempts, settle) -> {
            relayed.add(node.address);
            attempts.add(new Attempt(node.address, node.url(), "timeout", 30_000, "no first token"));
            return false;
        })).isInstanceOf(ProblemException.class).hasMessageContaining("2 nodes sent no first token");
        assertThat(relayed).hasSize(PolicyEngine.STREAM_TIMEOUTS); // 3 attempts and 4 nodes were allowed
        assertThat(payments.held).isZero();
    }

    // ---- the fake network ----------------------------------------------------------------------------------

    NodeState rankedFirst() {
        return engine.routingOrder(MODEL).get(0);
    }

    PolicyEngine.Request<String, FakeAnswer> request(Policy policy) {
        return request(policy, Duration.ZERO);
    }

    PolicyEngine.Request<String, FakeAnswer> request(Policy policy, Duration hedge) {
        return request(policy, hedge, 1);
    }

    PolicyEngine.Request<String, FakeAnswer> request(Policy policy, Duration hedge, long units) {
        return new PolicyEngine.Request<>(REQUEST, MODEL, policy, "call", "recall", hedge, units, fakeNode, SAME_TEXT,
                a -> units);
    }

    NodeState node(int i, long price) {
        NodeKey key = NodeKey.fromPrivateKey("0x" + String.format("%064x", i));
        NodeState n = TestNodes.node(key.address(), URI.create("http://127.0.0.1:" + (7000 + i)), price, MODEL);
        keys.put(n.address, key);
        return n;
    }

    CompletableFuture<NodeResult<FakeAnswer>> answers(NodeState n, String text) {
        return CompletableFuture.completedFuture(new NodeResult.Answered<>(answer(n, text, 10)));
    }

    FakeAnswer answer(NodeState n, String text, long signedPrice) {
        Receipt r = new Receipt(Receipt.VERSION, REQUEST, MODEL, "fake/1", Keccak256.hash(new byte[] {1}),
                Keccak256.hash(text.getBytes(StandardCharsets.UTF_8)), Keccak256.hash(new byte[0]), n.address,
                Keccak256.hash(new byte[0]), VerificationMode.NONE, BigInteger.valueOf(signedPrice), 1);
        return new FakeAnswer(n, SignedReceipt.sign(r, Eip712Domain.LOCAL, keys.get(n.address)),
                new Attempt(n.address, n.url(), "ok", 1, ""), text);
    }

    static CompletableFuture<NodeResult<FakeAnswer>> fails(NodeState n, int status, String body) {
        return CompletableFuture.completedFuture(NodeResult.Failed.ofStatus(new Attempt(n.address, n.url(), "http-" + status, 1, ""),
                status, body.getBytes(StandardCharsets.UTF_8), "application/problem+json"));
    }

    /** Payments against an in-memory deposit. */
    static final class FakePayments implements Payments {
        BigInteger deposit = BigInteger.TEN.pow(6);
        BigInteger held = BigInteger.ZERO;
        final List<BigInteger> holds = new CopyOnWriteArrayList<>();
        final List<Payment> paid = new CopyOnWriteArrayList<>();

        @Override
        public synchronized Hold hold(BigInteger price) {
            if (held.add(price).compareTo(deposit) > 0) {
                throw new Payer.DepositShort(EvmAddress.ZERO, deposit, held, price);
            }
            holds.add(price);
            held = held.add(price);
            boolean[] open = {true};
            return () -> {
                synchronized (this) {
                    if (open[0]) held = held.subtract(price);
                    open[0] = false;
                }
            };
        }

        @Override
        public Payment pay(NodeState node, BigInteger amount) {
            Payment p = new Payment(node.address, amount, amount);
            paid.add(p);
            return p;
        }
    }

    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
