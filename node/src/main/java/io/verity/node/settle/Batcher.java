package io.verity.node.settle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.ChainAccount;
import io.verity.chain.ContractRevertedException;
import io.verity.chain.Deployment;
import io.verity.node.receipts.ReceiptLog;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.merkle.MerkleBatch;
import io.verity.protocol.wire.InclusionProof;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles a node's receipts: reads them from the {@link ReceiptLog} after a durable cursor, cuts a batch of up to
 * {@link ChainSettings#batchSize()} receipts once {@link ChainSettings#batchMin()} wait or once the oldest is
 * {@link ChainSettings#batchAge()} old (by its signed timestamp),
 * stores it under {@code home/batches/<root>.json}, and commits its Merkle root with the URI
 * {@code <node url>/v1/batches/<root>}. At most one batch is in flight; while the chain fails the batcher
 * retries with exponential backoff (100 ms up to {@link ChainSettings#maxBackoff()}) and receipts simply
 * wait in the log. Before each step its {@link Registrar} makes sure the node is registered and staked.
 * Closing stops the thread; it is idempotent.
 */
public final class Batcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);

    private record Settled(Keccak256 root, long batchId) {}

    /**
     * The durable steps of one batch, in order. A node killed after any of them restarts from what it left:
     * {@link #recover} handles each (see package-info), and tests halt the batcher at each through
     * {@link #start(ReceiptLog, Path, ChainPort, ChainSettings, long, EvmAddress, URI, InstantSource, java.util.function.Consumer)}.
     */
    enum Step {
        /** {@code batches/<root>.json} written, cursor not moved: the batch is dropped and cut again. */
        BATCH_WRITTEN,
        /** state.json moved the cursor and names the batch pending: it is committed on restart. */
        STATE_WRITTEN,
        /** the commit is mined (or was already), the batch file does not say so yet: committing again finds it. */
        COMMITTED,
        /** the batch file carries its batch id, state.json still names it pending: it is indexed as settled. */
        RECORDED
    }

    private final ReceiptLog log;
    private final BatchFiles files;
    private final ChainPort chain;
    private final ChainSettings settings;
    private final String batchUrlPrefix;
    private final InstantSource clock;
    private final long chainId;
    private final EvmAddress settlement;
    private final Map<Keccak256, Settled> settled = new ConcurrentHashMap<>();
    private final NavigableMap<Long, Keccak256> rootsById = new ConcurrentSkipListMap<>(); // committed batches, for pruning
    private final Loop loop;
    private final java.util.function.Consumer<Step> steps; // tests halt here to leave each crash state
    private volatile long settledBatches;
    // batcher thread only:
    private long cursor;
    private MerkleBatch pending;
    private final Registrar registrar;
    private long firstSeenAt = -1;

    Batcher(ReceiptLog log, Path home, ChainPort chain, ChainSettings settings, long chainId, EvmAddress settlement,
            URI nodeUrl, InstantSource clock, java.util.function.Consumer<Step> steps) throws IOException {
        this.steps = steps;
        this.log = log;
        this.chainId = chainId;
        this.settlement = settlement;
        this.files = new BatchFiles(home);
        this.chain = chain;
        this.registrar = new Registrar(chain);
        this.settings = settings;
        this.batchUrlPrefix = stripSlash(nodeUrl.toString()) + "/v1/batches/";
        this.clock = clock;
        recover();
        this.loop = new Loop("batcher", this::run);
    }

    /**
     * Starts settling {@code log} on the chain of {@code deployment} as {@code account}, which must be the
     * key that signs the node's receipts.
     *
     * @param nodeUrl the node's public base URL; batch URIs and the registered endpoint derive from it
     * @param models digests of the models the node serves, for registration
     * @param price wei per inference, for registration
     * @throws IOException when the batcher's files in {@code home} cannot be read
     */
    public static Batcher start(ReceiptLog log, Path home, ChainSettings settings, Deployment deployment,
            ChainAccount account, URI nodeUrl, Supplier<List<Keccak256>> models, BigInteger price, InstantSource clock)
            throws IOException {
        return start(log, home, settings, deployment, account, nodeUrl, models, price, Optional.empty(), clock);
    }

    /** As above; with {@code attestation} the node also attests in NodeRegistry after registering, and re-attests. */
    public static Batcher start(ReceiptLog log, Path home, ChainSettings settings, Deployment deployment,
            ChainAccount account, URI nodeUrl, Supplier<List<Keccak256>> models, BigInteger price,
            Optional<RegistryAttestation> attestation, InstantSource clock) throws IOException {
        ChainPort port = new RpcChainPort(deployment, account, nodeUrl.toString(), models, price, settings.stake(),
                attestation, clock, settings.tx());
        return start(log, home, port, settings, deployment.chainId(), deployment.settlement(), nodeUrl, clock);
    }

    static Batcher start(ReceiptLog log, Path home, ChainPort chain, ChainSettings settings, long chainId,
            EvmAddress settlement, URI nodeUrl, InstantSource clock) throws IOException {
        return start(log, home, chain, settings, chainId, settlement, nodeUrl, clock, step -> {});
    }

    /** As above; {@code steps} sees each {@link Step} as it becomes durable (tests throw there to "kill" the node). */
    static Batcher start(ReceiptLog log, Path home, ChainPort chain, ChainSettings settings, long chainId,
            EvmAddress settlement, URI nodeUrl, InstantSource clock, java.util.function.Consumer<Step> steps)
            throws IOException {
        Batcher b = new Batcher(log, home, chain, settings, chainId, settlement, nodeUrl, clock, steps);
        b.loop.start();
        return b;
    }

    /** The stored batch JSON ({@code root, batchId, uri, count, ids, receipts}) if this node made it. */
    public Optional<byte[]> batchJson(Keccak256 root) {
        try {
            return files.readBatchBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read batch " + root, e);
        }
    }

    /** The receipt's inclusion proof once its batch is committed on chain; empty before. */
    public Optional<InclusionProof> proof(Keccak256 receiptId) {
        Settled s = settled.get(receiptId);
        if (s == null) return Optional.empty();
        try {
            BatchFiles.Stored stored = files.readBatch(s.root()).orElseThrow(() ->
                    new IllegalStateException("batch file for settled root " + s.root() + " is missing"));
            MerkleBatch batch = MerkleBatch.of(stored.ids());
            return Optional.of(new InclusionProof(receiptId, s.root(), s.batchId(), batch.proof(receiptId)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read batch " + s.root(), e);
        }
    }

    /**
     * The committed batch of this node with the smallest id above {@code batchId}: its id and receipt ids (in the order
     * of its batch file). Ids grow with commit time, since the batcher commits one batch at a time.
     */
    public Optional<Map.Entry<Long, List<Keccak256>>> committedAfter(long batchId) {
        Map.Entry<Long, Keccak256> e = rootsById.higherEntry(batchId);
        if (e == null) return Optional.empty();
        try {
            BatchFiles.Stored stored = files.readBatch(e.getValue()).orElseThrow(() ->
                    new IllegalStateException("batch file for settled root " + e.getValue() + " is missing"));
            return Optional.of(Map.entry(e.getKey(), stored.ids()));
        } catch (IOException io) {
            throw new UncheckedIOException("cannot read batch " + e.getValue(), io);
        }
    }

    /** How many receipts are in committed batches. */
    public int settledReceipts() {
        return settled.size();
    }

    /** How many batches this batcher saw committed (including those found on disk at start). */
    public long settledBatches() {
        return settledBatches;
    }

    /** Rebuilds the settled index from committed batch files and drops batches that were never posted. */
    private void recover() throws IOException {
        BatchFiles.State state = files.readState();
        cursor = state.cursor();
        if (cursor > log.endOffset()) {
            throw new IOException("settle/state.json: cursor must be at most the receipt log's end " + log.endOffset()
                    + ", got " + cursor + "; was the receipt log replaced?");
        }
        Optional<Keccak256> named = state.pending();
        for (BatchFiles.Stored b : files.readAll()) {
            if (b.batchId().isPresent()) {
                index(b.root(), b.batchId().getAsLong(), b.ids());
            } else if (named.filter(b.root()::equals).isPresent()) {
                pending = MerkleBatch.of(b.ids());
            } else {
                // Written, but the cursor never moved past its receipts: they will be batched again.
                LOG.info("dropping unposted batch {} left by an earlier run", b.root());
                files.delete(b.root());
            }
        }
        if (named.isPresent() && pending == null) {
            Keccak256 root = named.get();
            if (files.readBatch(root).flatMap(b -> b.batchId().isPresent() ? Optional.of(b) : Optional.empty()).isEmpty()) {
                throw new IOException("settle/state.json names pending batch " + root + " but " + files.batchFile(root)
                        + " is missing; restore it from a backup, or set pending to null and the cursor to the offset"
                        + " of its first receipt so it is cut again");
            }
            // Killed after the batch file recorded its commit but before state.json let go of it (Step.RECORDED):
            // the batch is settled, finish the step the earlier run could not.
            LOG.info("pending batch {} was committed before the last stop; clearing it", root);
            files.writeState(new BatchFiles.State(cursor, Optional.empty()));
        }
    }

    private void index(Keccak256 root, long batchId, List<Keccak256> ids) {
        Settled s = new Settled(root, batchId);
        for (Keccak256 id : ids) settled.put(id, s);
        rootsById.put(batchId, root);
        settledBatches++;
    }

    private void run() {
        long backoff = MIN_BACKOFF.toMillis();
        // Polled often: a batch that is due waits for the next poll, and then for the next block.
        long poll = Math.clamp(settings.batchAge().toMillis() / 4, 10, 50);
        while (!loop.closed()) {
            try {
                registrar.ensure();
                if (pending != null) {
                    post();
                } else if (!cutIfDue()) {
                    loop.sleep(poll);
                    continue;
                }
                backoff = MIN_BACKOFF.toMillis();
            } catch (RuntimeException | IOException e) {
                if (loop.closed()) break;
                // A refusal such as NodeNotStaked (after a slash) may be cured by topping the stake up.
                if (e instanceof ContractRevertedException) registrar.refused();
                LOG.warn("settlement step failed, retrying in {} ms: {}", backoff, e.toString());
                loop.sleep(backoff);
                backoff = Math.min(backoff * 2, settings.maxBackoff().toMillis());
            }
        }
        chain.close();
    }

    private void post() throws IOException {
        Keccak256 root = pending.root();
        String uri = batchUrlPrefix + root.toHex(); // the URL this node serves now, even for a batch cut before a restart
        long batchId = chain.commit(root, pending.size(), uri);
        steps.accept(Step.COMMITTED);
        ObjectNode json = files.readBatch(root).orElseThrow(() -> new IOException("batch file for " + root + " vanished"))
                .json();
        json.put("batchId", batchId);
        json.put("uri", uri);
        files.writeBatch(json);
        steps.accept(Step.RECORDED);
        files.writeState(new BatchFiles.State(cursor, Optional.empty()));
        index(root, batchId, pending.ids());
        LOG.info("committed batch {} ({} receipts) as batch id {}", root, pending.size(), batchId);
        pending = null;
    }

    /** @return whether it made progress (cut a batch or skipped receipts) */
    private boolean cutIfDue() throws IOException {
        List<ReceiptLog.Entry> entries = log.readFrom(cursor, settings.batchSize());
        if (entries.isEmpty()) {
            firstSeenAt = -1;
            return false;
        }
        long now = clock.millis();
        if (firstSeenAt < 0) firstSeenAt = now;
        // Enough receipts to share a commit's gas go at once (with every block under load); fewer wait for company
        // until the oldest is batchAge old (docs/benchmarks.md, "Verification latency").
        if (entries.size() < Math.min(settings.batchSize(), settings.batchMin())
                && now - createdAt(entries.getFirst()) < settings.batchAge().toMillis()) {
            return false;
        }
        ReceiptLog.Entry last = entries.getLast();
        long next = last.nextOffset();
        // A receipt id is settled once: skip ids already committed or repeated in this window.
        Map<Keccak256, byte[]> fresh = new LinkedHashMap<>();
        for (ReceiptLog.Entry e : entries) {
            if (!settled.containsKey(e.id()) && inThisDomain(e)) fresh.putIfAbsent(e.id(), e.json());
        }
        firstSeenAt = -1;
        if (fresh.isEmpty()) {
            cursor = next;
            files.writeState(new BatchFiles.State(cursor, Optional.empty()));
            return true;
        }
        List<Keccak256> ids = new ArrayList<>(fresh.keySet());
        MerkleBatch batch = MerkleBatch.of(ids);
        files.writeBatch(BatchFiles.batchJson(batch.root(), batchUrlPrefix + batch.root().toHex(), ids,
                new ArrayList<>(fresh.values())));
        steps.accept(Step.BATCH_WRITTEN);
        // Only now move the cursor, naming the batch as pending in the same atomic write.
        files.writeState(new BatchFiles.State(next, Optional.of(batch.root())));
        cursor = next;
        pending = batch;
        steps.accept(Step.STATE_WRITTEN);
        return true;
    }

    /**
     * Whether the receipt was signed for this chain's Settlement contract. Receipts a node signed before it
     * had a chain (chain id 31337, zero contract) or for another deployment could never verify here, so
     * they stay in the log unsettled.
     */
    private boolean inThisDomain(ReceiptLog.Entry e) {
        try {
            JsonNode d = BatchFiles.JSON.readTree(e.json()).path("domain");
            boolean ours = d.path("chainId").asLong(-1) == chainId
                    && EvmAddress.parse(d.path("verifyingContract").asText("")).equals(settlement);
            if (!ours) {
                LOG.warn("receipt {} is signed for domain {}, not chain {} contract {}; it is not settled", e.id(), d,
                        chainId, settlement);
            }
            return ours;
        } catch (IOException | IllegalArgumentException unreadable) {
            LOG.warn("receipt {} in the log has no readable domain, it is not settled: {}", e.id(), unreadable.getMessage());
            return false;
        }
    }

    /**
     * When the receipt was signed (its {@code timestamp}), so a batch's age survives restarts; when that is
     * unreadable, when this batcher first saw it.
     */
    private long createdAt(ReceiptLog.Entry e) {
        try {
            var ts = BatchFiles.JSON.readTree(e.json()).get("timestamp");
            if (ts != null && ts.canConvertToLong()) return ts.asLong();
        } catch (IOException unreadable) {
            LOG.warn("receipt {} in the log is not JSON: {}", e.id(), unreadable.getMessage());
        }
        return firstSeenAt;
    }

    @Override
    public void close() {
        loop.stop(Duration.ofSeconds(40)); // a send in flight may wait for its receipt
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
