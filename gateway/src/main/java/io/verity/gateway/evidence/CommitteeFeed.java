package io.verity.gateway.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.chain.ChainException;
import io.verity.chain.TxOutcome;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.contracts.CommitteeClient;
import io.verity.chain.contracts.CommitteeDispute;
import io.verity.chain.contracts.ComparisonRule;
import io.verity.chain.contracts.NodeInfo;
import io.verity.client.InferenceException;
import io.verity.client.NodeApiClient;
import io.verity.llm.EmbeddingDisputeEvidence;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.wire.DisputeEvidence;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the gateway's evidence into CommitteeDisputes for every engine but the deterministic one (whose tensor
 * receipts {@link DisputeFeed} takes to the DisputeGame): for a minority or audit-mismatch entry, once the accused receipt is
 * settled and when its model has a comparison rule, the gateway's client account opens a dispute with the
 * majority's outputs digest as its own answer and serves the evidence (the request's inputs and the accused outputs;
 * for an embeddings answer, of any engine, its JSON request and {@code applied} settings and the accused vectors:
 * {@link EmbeddingDisputeEvidence}) at {@code GET /v1/disputes/{receiptId}/evidence}. It keeps the evidence of its
 * last {@value #ARCHIVED} answers for that, and pokes {@code draw} once per block until the committee is drawn (an
 * automining devnet mines only on transactions); the committee's nodes do the rest. Publishing makes the client's inputs readable by anyone who
 * asks for that receipt: the price of taking a lie on chain.
 */
public final class CommitteeFeed {
    private static final Logger LOG = LoggerFactory.getLogger(CommitteeFeed.class);
    /** Answers whose tensors are kept for a dispute: evidence usually follows its answer within a second. */
    static final int ARCHIVED = 256;
    /** And at most this many bytes of tensors in all (the oldest go first), so large requests cannot fill the heap. */
    static final long ARCHIVED_BYTES = 64L << 20;
    /** Evidence documents served, newest kept, and at most this many bytes of them. */
    static final int PUBLISHED = 1024;
    static final long PUBLISHED_BYTES = 256L << 20;
    private static final Duration SETTLE_WAIT = Duration.ofMinutes(5);

    /**
     * An answer's evidence, in the form its route's receipts need: tensors for {@code /v1/infer}; for an embeddings
     * answer its request, {@code applied} and vectors, of a deterministic node's too (the route keeps no trace for the
     * DisputeGame, and a committee re-runs it under the receipt's contract).
     *
     * @param mismatch why it is not the evidence of a receipt with these inputs and outputs digests, or empty
     */
    private record Archived(long bytes, boolean embeddings, BiFunction<Keccak256, Keccak256, Optional<String>> mismatch,
            Supplier<JsonNode> document) {
        static Archived of(DisputeEvidence e) {
            long n = 0;
            for (Tensor t : e.inputs()) n += t.byteSize();
            for (Tensor t : e.outputs()) n += t.byteSize();
            return new Archived(n, false, e::mismatch, e::write);
        }

        static Archived of(EmbeddingDisputeEvidence e) {
            return new Archived(e.bytes(), true, e::mismatch, e::write);
        }
    }

    private final ChainClients chain;
    private final CommitteeClient disputes;
    private final EvidenceLog evidence;
    private final HttpClient http;
    private final ExecutorService background;
    private final Clock clock;
    private final Supplier<URI> self;
    private final Set<Keccak256> handled = ConcurrentHashMap.newKeySet();
    private final Bounded<Archived> archive = new Bounded<>(ARCHIVED, ARCHIVED_BYTES, Archived::bytes);
    private final Bounded<byte[]> published = new Bounded<>(PUBLISHED, PUBLISHED_BYTES, b -> b.length);

    private CommitteeFeed(ChainClients chain, EvidenceLog evidence, HttpClient http, ExecutorService background, Clock clock,
                          Supplier<URI> self) {
        this.chain = chain;
        this.disputes = new CommitteeClient(chain.connection(), chain.deployment().requireCommitteeDisputes());
        this.evidence = evidence;
        this.http = http;
        this.background = background;
        this.clock = clock;
        this.self = self;
    }

    /**
     * Watches the evidence every second, when the deployment has CommitteeDisputes; the gateway's client pays the
     * bonds. Empty without the contract.
     *
     * @param self the gateway's own URL, where committee members fetch the evidence
     */
    public static Optional<CommitteeFeed> start(ChainClients chain, EvidenceLog evidence, HttpClient http,
            ExecutorService background, Clock clock, ScheduledExecutorService scheduler, Supplier<URI> self) {
        if (chain.deployment().committeeDisputes() == null) return Optional.empty();
        CommitteeFeed feed = new CommitteeFeed(chain, evidence, http, background, clock, self);
        scheduler.scheduleWithFixedDelay(feed::tickQuietly, 1, 1, TimeUnit.SECONDS);
        return Optional.of(feed);
    }

    /** Keeps an answer's tensors for a while, in case it is accused. */
    public void archive(SignedReceipt receipt, List<Tensor> inputs, List<Tensor> outputs) {
        archive.put(receipt.id(), Archived.of(new DisputeEvidence(inputs, outputs)));
    }

    /** Keeps an embeddings answer's request, settings and vectors for a while (within the same bounds), in case it is accused. */
    public void archive(SignedReceipt receipt, EmbeddingDisputeEvidence evidence) {
        archive.put(receipt.id(), Archived.of(evidence));
    }

    /** The evidence document of a dispute this gateway opened on receipt {@code id}. */
    public Optional<byte[]> evidence(Keccak256 id) {
        return published.get(id);
    }

    private void tickQuietly() {
        try {
            for (EvidenceLog.Disagreement d : evidence.recentDisagreements()) {
                SignedReceipt accused = d.accused(), majority = d.majority();
                Optional<Archived> tensors = archive.get(accused.id());
                // a det tensor answer is DisputeFeed's (its trace game); a det embeddings answer has no trace: here
                if (accused.receipt().engine().startsWith("verity-det/") && !tensors.map(Archived::embeddings).orElse(false)) continue;
                if (tensors.isEmpty() || !handled.add(accused.id())) continue;
                background.execute(() -> disputeQuietly(accused, majority, tensors.get()));
            }
        } catch (RuntimeException ex) {
            LOG.warn("committee feed: {}", ex.toString());
        }
    }

    private void disputeQuietly(SignedReceipt accused, SignedReceipt majority, Archived tensors) {
        try {
            dispute(accused, majority, tensors);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("committee dispute of receipt {} by node {} failed: {}", accused.id(), accused.receipt().node(), e.toString());
        }
    }

    private void dispute(SignedReceipt accused, SignedReceipt majority, Archived tensors) throws InterruptedException {
        var r = accused.receipt();
        Optional<ComparisonRule> rule = chain.models().rule(r.modelDigest());
        if (rule.isEmpty() || rule.get() instanceof ComparisonRule.None) {
            LOG.info("receipt {} of node {}: model {} has no comparison rule, no committee can judge it", accused.id(), r.node(),
                    r.modelDigest());
            return;
        }
        if (tensors.mismatch().apply(r.inputsDigest(), r.outputsDigest()).isPresent()) return; // not this receipt's evidence
        URI node = URI.create(chain.nodes().node(r.node()).map(NodeInfo::endpoint)
                .orElseThrow(() -> new IllegalStateException("node " + r.node() + " is not registered")).replaceAll("/+$", ""));
        JsonNode proof = awaitProof(node, accused.id());
        published.put(accused.id(), tensors.document().get().toString().getBytes(StandardCharsets.UTF_8));
        URI at = URI.create(self.get().toString().replaceAll("/+$", "") + "/v1/disputes/" + accused.id().toHex() + "/evidence");
        List<Keccak256> siblings = new ArrayList<>();
        proof.get("proof").forEach(h -> siblings.add(Keccak256.parse(h.asText())));
        TxOutcome opened = disputes.open(accused, proof.get("batchId").asLong(), siblings, majority.receipt().outputsDigest(), at,
                disputes.minBond());
        if (!(opened instanceof TxOutcome.Confirmed c)) {
            LOG.warn("could not open a committee dispute on receipt {}: {}", accused.id(), opened);
            return;
        }
        long id = CommitteeClient.openedId(c);
        LOG.warn("disputed receipt {} of node {} before a committee (dispute {}): its answer disagreed with the majority's",
                accused.id(), r.node(), id);
        drawThenWatch(id);
    }

    /** One no-op draw per block until the committee is drawn, then waits for the outcome (logged). */
    private void drawThenWatch(long id) throws InterruptedException {
        long poked = -1;
        Instant giveUp = clock.instant().plus(Duration.ofHours(1));
        while (clock.instant().isBefore(giveUp)) {
            CommitteeDispute d;
            try {
                d = disputes.dispute(id);
                if (d.state().finished()) {
                    LOG.warn("committee dispute {} on node {} ended: {}", id, d.node(), d.state());
                    return;
                }
                long tip = disputes.connection().blockNumber();
                if (d.state() == CommitteeDispute.State.DRAWING && tip != poked) {
                    poked = tip;
                    disputes.draw(id);
                }
            } catch (ChainException e) {
                LOG.debug("committee dispute {}: {}", id, e.toString());
            }
            Thread.sleep(500);
        }
    }

    private JsonNode awaitProof(URI node, Keccak256 id) throws InterruptedException {
        Instant stop = clock.instant().plus(SETTLE_WAIT);
        while (clock.instant().isBefore(stop)) {
            try {
                return NodeApiClient.of(node, Duration.ofSeconds(10), http).get("/v1/receipts/" + id.toHex() + "/proof");
            } catch (InferenceException notYet) {
                Thread.sleep(250);
            }
        }
        throw new IllegalStateException("no inclusion proof for " + id + " within " + SETTLE_WAIT.toMinutes() + " min");
    }

    /** The newest entries by receipt id, at most {@code max} of them and {@code maxBytes} in all (the oldest go first). */
    private static final class Bounded<V> {
        private final int max;
        private final long maxBytes;
        private final java.util.function.ToLongFunction<V> size;
        private final LinkedHashMap<Keccak256, V> entries = new LinkedHashMap<>();
        private long bytes;

        Bounded(int max, long maxBytes, java.util.function.ToLongFunction<V> size) {
            this.max = max;
            this.maxBytes = maxBytes;
            this.size = size;
        }

        synchronized void put(Keccak256 id, V v) {
            if (size.applyAsLong(v) > maxBytes) return;
            V old = entries.remove(id);
            if (old != null) bytes -= size.applyAsLong(old);
            entries.put(id, v);
            bytes += size.applyAsLong(v);
            var oldest = entries.values().iterator();
            while (entries.size() > max || bytes > maxBytes) {
                bytes -= size.applyAsLong(oldest.next());
                oldest.remove();
            }
        }

        synchronized Optional<V> get(Keccak256 id) {
            return Optional.ofNullable(entries.get(id));
        }
    }
}
