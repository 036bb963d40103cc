package io.verity.gateway.evidence;

import io.verity.client.NodeApiClient;
import io.verity.client.InferenceException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.TxOutcome;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.contracts.Dispute;
import io.verity.chain.contracts.DisputeClient;
import io.verity.chain.contracts.NodeInfo;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.merkle.TraceProof;
import io.verity.protocol.receipt.SignedReceipt;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the gateway's evidence into on-chain disputes when both sides ran the deterministic engine: for a
 * minority or audit-mismatch entry whose accused and majority receipts carry different traceRoots, the
 * gateway's client account challenges the accused receipt once it is settled, and plays the challenger with
 * the majority node's trace (each opening checked against the majority receipt's traceRoot by the contract's
 * own {@code traceRootOf}), so the gateway needs no engine. The committee and the nodes do the rest; a
 * dishonest node ends up slashed, not only quarantined. When the two receipts carry the same traceRoot but
 * different outputsDigests, the accused signed outputs its own trace contradicts: the gateway sends the
 * contract's outputs proof (the majority node's opening of the last trace entry) and the node is slashed at
 * once, no game. On-challenge receipts ({@code Receipt.TRACE_ON_CHALLENGE}, either side) sign no root: they are
 * challenged when their outputsDigests differ, the accused node commits its root in the game, and the majority's
 * trace is checked against the root the majority node serves, whose last entry must be its signed outputsDigest.
 * Runs on the gateway's scheduler and background executor.
 */
public final class DisputeFeed {
    private static final Logger LOG = LoggerFactory.getLogger(DisputeFeed.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SETTLE_WAIT = Duration.ofMinutes(5);

    private final ChainClients chain;
    private final DisputeClient games;
    private final EvidenceLog evidence;
    private final HttpClient http;
    private final ExecutorService background;
    private final Clock clock;
    private final Set<Keccak256> handled = ConcurrentHashMap.newKeySet();

    private DisputeFeed(ChainClients chain, EvidenceLog evidence, HttpClient http, ExecutorService background, Clock clock) {
        this.clock = clock;
        this.chain = chain;
        this.games = new DisputeClient(chain.connection(), chain.deployment().requireDisputeGame());
        this.evidence = evidence;
        this.http = http;
        this.background = background;
    }

    /** Watches the evidence every second, when the deployment has a DisputeGame; the gateway's client pays the bonds. */
    public static void start(ChainClients chain, EvidenceLog evidence, HttpClient http, ExecutorService background,
            Clock clock, ScheduledExecutorService scheduler) {
        if (chain.deployment().disputeGame() == null) return;
        DisputeFeed feed = new DisputeFeed(chain, evidence, http, background, clock);
        scheduler.scheduleWithFixedDelay(feed::tickQuietly, 1, 1, TimeUnit.SECONDS);
    }

    private void tickQuietly() {
        try {
            for (EvidenceLog.Disagreement d : evidence.recentDisagreements()) {
                SignedReceipt accused = d.accused(), honest = d.majority();
                // nothing a trace can decide; and traces of two engine versions differ whatever was computed
                if (!traced(accused) || !traced(honest) || !accused.receipt().engine().equals(honest.receipt().engine())) continue;
                boolean onChallenge = accused.receipt().traceOnChallenge() || honest.receipt().traceOnChallenge();
                boolean sameTrace = !onChallenge && accused.receipt().traceRoot().equals(honest.receipt().traceRoot());
                boolean sameOutputs = accused.receipt().outputsDigest().equals(honest.receipt().outputsDigest());
                if (sameOutputs && (sameTrace || onChallenge)) continue; // on challenge, only the outputs are signed
                if (handled.add(accused.id())) background.execute(() -> challengeQuietly(accused, honest, sameTrace));
            }
        } catch (RuntimeException ex) {
            LOG.warn("dispute feed: {}", ex.toString());
        }
    }

    private static boolean traced(SignedReceipt r) {
        return r.receipt().engine().startsWith("verity-det/") && !r.receipt().traceRoot().equals(Keccak256.ZERO);
    }

    private void challengeQuietly(SignedReceipt accused, SignedReceipt honest, boolean sameTrace) {
        try {
            if (sameTrace) proveOutputs(accused, honest);
            else challenge(accused, honest);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("dispute of receipt {} by node {} failed: {}", accused.id(), accused.receipt().node(), e.toString());
        }
    }

    /** Same traceRoot, other outputsDigest: the last trace entry (the outputs' digest) convicts the accused outright. */
    private void proveOutputs(SignedReceipt accused, SignedReceipt honest) throws InterruptedException {
        URI accusedUrl = endpoint(accused.receipt().node()), honestUrl = endpoint(honest.receipt().node());
        String id = accused.id().toHex();
        JsonNode proof = await(() -> get(accusedUrl, "/v1/receipts/" + id + "/proof"), SETTLE_WAIT);
        String trace = "/v1/receipts/" + honest.id().toHex() + "/trace";
        long n = get(honestUrl, trace).orElseThrow(() -> new IllegalStateException("majority node " + honestUrl
                + " does not serve its trace")).get("n").asLong();
        TraceProof last = TraceProof.fromJson(get(honestUrl, trace + "/" + (n - 1))
                .orElseThrow(() -> new IllegalStateException("majority node stopped serving its trace")));
        if (!games.traceRootOf(last).equals(accused.receipt().traceRoot()) || last.digest().equals(accused.receipt().outputsDigest())) {
            LOG.warn("no outputs proof for receipt {}: the majority's last trace entry does not contradict it", id);
            return;
        }
        TxOutcome out = games.proveOutputs(accused, proof.get("batchId").asLong(), hashes(proof.get("proof")), last);
        if (out instanceof TxOutcome.Confirmed c) {
            LOG.warn("proved receipt {} of node {} wrong on chain: its outputsDigest is not its own trace's last entry; slashed {} wei",
                    id, accused.receipt().node(), c.event("OutputsProven").<java.math.BigInteger>arg("slashed"));
        } else {
            LOG.warn("outputs proof on receipt {} not accepted: {}", id, out);
        }
    }

    private void challenge(SignedReceipt accused, SignedReceipt honest) throws InterruptedException {
        URI accusedUrl = endpoint(accused.receipt().node()), honestUrl = endpoint(honest.receipt().node());
        String id = accused.id().toHex();
        JsonNode proof = await(() -> get(accusedUrl, "/v1/receipts/" + id + "/proof"), SETTLE_WAIT);
        JsonNode summary = get(honestUrl, "/v1/receipts/" + honest.id().toHex() + "/trace")
                .orElseThrow(() -> new IllegalStateException("majority node " + honestUrl + " does not serve its trace"));
        long n = summary.get("n").asLong();
        Keccak256 honestRoot = honest.receipt().traceOnChallenge() ? committedRoot(honestUrl, honest, summary) : honest.receipt().traceRoot();
        TxOutcome opened = games.open(accused, proof.get("batchId").asLong(), hashes(proof.get("proof")), n, games.minBond());
        if (!(opened instanceof TxOutcome.Confirmed c)) {
            LOG.warn("could not open a dispute on receipt {}: {}", id, opened);
            return;
        }
        long game = DisputeClient.openedGameId(c);
        LOG.warn("challenged receipt {} of node {} on chain (game {}), its answer differs from the majority's", id,
                accused.receipt().node(), game);
        int answered = -1;
        DisputeClient.Drawer drawer = new DisputeClient.Drawer();
        Instant giveUp = clock.instant().plus(Duration.ofHours(1));
        while (clock.instant().isBefore(giveUp)) {
            Dispute d = games.game(game);
            if (d.state().finished()) {
                LOG.warn("dispute {} on node {} ended: {}", game, d.node(), d.state());
                return;
            }
            if (d.state() == Dispute.State.AWAIT_CHALLENGER && d.rounds() != answered) {
                TraceProof o = TraceProof.fromJson(get(honestUrl, "/v1/receipts/" + honest.id().toHex() + "/trace/" + d.next())
                        .orElseThrow(() -> new IllegalStateException("majority node stopped serving its trace")));
                if (!games.traceRootOf(o).equals(honestRoot)) {
                    throw new IllegalStateException("majority node served an opening that does not match its receipt");
                }
                games.respond(game, games.pendingChain(game).equals(o.chain())).confirmed();
                answered = d.rounds();
            } else if (d.state() == Dispute.State.DRAWING) {
                drawer.step(games, d);
            } else if (d.state() != Dispute.State.AWAIT_CHALLENGER && games.timeoutDue(d)) {
                games.timeout(game);
            }
            Thread.sleep(250);
        }
    }

    /**
     * The root the majority node serves for its on-challenge receipt, bound to what it signed: the opening of its
     * last entry must lead to that root and be the signed outputsDigest (what commitTrace would demand of it).
     */
    private Keccak256 committedRoot(URI honestUrl, SignedReceipt honest, JsonNode summary) {
        Keccak256 root = Keccak256.parse(summary.get("traceRoot").asText());
        long n = summary.get("n").asLong();
        TraceProof last = TraceProof.fromJson(get(honestUrl, "/v1/receipts/" + honest.id().toHex() + "/trace/" + (n - 1))
                .orElseThrow(() -> new IllegalStateException("majority node stopped serving its trace")));
        if (last.index() != n - 1 || !games.traceRootOf(last).equals(root) || !last.digest().equals(honest.receipt().outputsDigest())) {
            throw new IllegalStateException("majority node " + honestUrl + " serves a trace that does not end with its signed outputsDigest");
        }
        return root;
    }

    private URI endpoint(EvmAddress node) {
        return URI.create(chain.nodes().node(node).map(NodeInfo::endpoint)
                .orElseThrow(() -> new IllegalStateException("node " + node + " is not registered")).replaceAll("/+$", ""));
    }

    private static List<Keccak256> hashes(JsonNode arr) {
        List<Keccak256> out = new ArrayList<>();
        arr.forEach(h -> out.add(Keccak256.parse(h.asText())));
        return out;
    }

    /** The node's JSON answer; empty when it refuses, cannot be reached or does not answer JSON (interrupted: flag kept). */
    private Optional<JsonNode> get(URI base, String path) {
        try {
            return Optional.of(NodeApiClient.of(base, Duration.ofSeconds(60), http).get(path));
        } catch (InferenceException e) {
            return Optional.empty();
        }
    }

    private JsonNode await(java.util.function.Supplier<Optional<JsonNode>> get, Duration limit) throws InterruptedException {
        Instant stop = clock.instant().plus(limit);
        while (clock.instant().isBefore(stop)) {
            Optional<JsonNode> v = get.get();
            if (v.isPresent()) return v.get();
            Thread.sleep(250);
        }
        throw new IllegalStateException("no inclusion proof within " + limit.toMinutes() + " min");
    }
}
