package io.verity.explorer.index;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.chain.ChainConnection;
import io.verity.chain.ChainLog;
import io.verity.chain.Deployment;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.merkle.MerkleBatch;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.json.StrictJson;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the contracts' events (NodeRegistry, ModelRegistry, Settlement, Payments and DisputeGame) into the
 * {@link Store}, one block range per transaction, and fetches the receipts of every committed batch from the
 * URI the node committed with.
 *
 * <p>Reorgs: the store keeps the hash of every block it took events from and of the last block of each
 * range. Before each step the newest recorded hash is compared with the chain's; when they differ (or the
 * block is gone, as after {@code anvil_revert}) it walks back to the newest recorded block the chain still
 * has, deletes everything above it and indexes again from there. A batch document is accepted only when its
 * ids hash to the root committed on chain, so a node cannot show the explorer receipts it did not commit.
 */
public final class Indexer {
    private static final Logger LOG = LoggerFactory.getLogger(Indexer.class);
    /** Blocks per eth_getLogs call; well inside every public RPC's limits. */
    static final long RANGE = 2_000;

    private final ChainConnection chain;
    private final Deployment deployment;
    private final Store store;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicLong head = new AtomicLong(-1);
    private final AtomicLong reorgs = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>();

    /** Longest a batch document may take to arrive, whole: a node trickling bytes must not hold the indexer. */
    static final Duration FETCH_DEADLINE = Duration.ofSeconds(30);
    private static final java.util.concurrent.ScheduledExecutorService CUTOFF =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "indexer-fetch-cutoff");
                t.setDaemon(true);
                return t;
            });

    private final long maxDocumentBytes;

    /** @param maxDocumentBytes the largest batch document fetched; the URI is chain-supplied, so anyone staked picks it */
    public Indexer(ChainConnection chain, Deployment deployment, Store store, long maxDocumentBytes) {
        this.chain = chain;
        this.deployment = deployment;
        this.store = store;
        this.maxDocumentBytes = maxDocumentBytes;
    }

    /**
     * Indexes until caught up with the chain's head (as it was at the start of this call), then fetches
     * pending batch documents. Returns the number of events stored.
     */
    public int catchUp() {
        int stored = 0;
        long next = store.nextBlock(deployment.chainId(), deployment.settlement(), deployment.deployBlock());
        long tip = chain.blockNumber();
        head.set(tip);
        next = healReorg(next);
        while (next <= tip) {
            long to = Math.min(tip, next + RANGE - 1);
            List<ChainLog> logs = chain.logs(contracts(), next, to);
            // The hash of every block with events (from the logs) and of the range's last block (one call).
            TreeMap<Long, ChainConnection.Block> blocks = new TreeMap<>();
            for (ChainLog l : logs) {
                if (!blocks.containsKey(l.blockNumber())) blocks.put(l.blockNumber(), chain.block(l.blockNumber()).orElseThrow(
                        () -> new io.verity.chain.ChainException("block " + l.blockNumber() + " vanished while indexing")));
            }
            Optional<ChainConnection.Block> last = chain.block(to);
            if (last.isEmpty()) break; // the chain shrank under us: the next call heals it
            blocks.put(to, last.get());
            if (!consistent(logs, blocks)) break; // a reorg between the two calls: start over next time
            store.apply(logs, new ArrayList<>(blocks.values()), to);
            stored += logs.size();
            next = to + 1;
        }
        fetchBatches();
        lastError.set(null);
        return stored;
    }

    /** Every log's block hash equals the block hash read afterwards, so logs and hashes describe one chain. */
    private static boolean consistent(List<ChainLog> logs, TreeMap<Long, ChainConnection.Block> blocks) {
        for (ChainLog l : logs) {
            if (!blocks.get(l.blockNumber()).hash().equals(l.blockHash())) return false;
        }
        return true;
    }

    /** Compares recorded hashes with the chain, newest first; rolls back to the common ancestor if needed. */
    private long healReorg(long next) {
        Optional<ChainConnection.Block> newest = store.newestBlock();
        if (newest.isEmpty() || sameOnChain(newest.get())) return next;
        long below = newest.get().number();
        while (true) {
            Optional<ChainConnection.Block> older = store.newestBlockBelow(below);
            if (older.isEmpty() || sameOnChain(older.get())) {
                long ancestor = older.map(ChainConnection.Block::number).orElse(Math.max(0, deployment.deployBlock()) - 1);
                LOG.info("chain reorganised above block {}: dropping what was indexed after it", ancestor);
                store.rollbackTo(ancestor);
                reorgs.incrementAndGet();
                return ancestor + 1;
            }
            below = older.get().number();
        }
    }

    private boolean sameOnChain(ChainConnection.Block recorded) {
        return chain.block(recorded.number()).map(b -> b.hash().equals(recorded.hash())).orElse(false);
    }

    /**
     * The contracts followed; DisputeGame and CommitteeDisputes when the deployment has them (disputes opened, the
     * committees drawn, their votes and outcomes).
     */
    private List<EvmAddress> contracts() {
        List<EvmAddress> out = new ArrayList<>(List.of(deployment.nodeRegistry(), deployment.modelRegistry(), deployment.settlement(),
                deployment.payments()));
        if (deployment.disputeGame() != null) out.add(deployment.disputeGame());
        if (deployment.committeeDisputes() != null) out.add(deployment.committeeDisputes());
        return out;
    }

    /** Fetches the receipts of batches not fetched yet; a node that is down is asked again next time. */
    void fetchBatches() {
        for (Store.Batch b : store.unfetchedBatches(50)) {
            try {
                List<SignedReceipt> receipts = fetch(b);
                store.storeReceipts(b, receipts);
            } catch (Exception e) {
                String msg = e.getMessage() == null ? e.toString() : e.getMessage();
                if (!msg.equals(b.fetchError())) LOG.info("batch {} from {}: {}", b.batchId(), b.uri(), msg);
                store.fetchFailed(b, msg);
            }
        }
    }

    private List<SignedReceipt> fetch(Store.Batch b) throws Exception {
        URI uri = URI.create(b.uri());
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("batch uri is not http(s): " + b.uri());
        }
        JsonNode doc = StrictJson.standard().read(download(uri));
        JsonNode arr = doc.path("receipts");
        List<SignedReceipt> receipts = new ArrayList<>();
        List<Keccak256> ids = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            SignedReceipt s = ReceiptJson.read(arr.get(i), "/receipts/" + i);
            receipts.add(s);
            ids.add(s.id());
        }
        if (ids.isEmpty()) throw new IllegalStateException("batch document at " + b.uri() + " lists no receipts");
        Keccak256 root = MerkleBatch.of(ids).root();
        if (!root.equals(b.root())) {
            throw new IllegalStateException("batch document at " + b.uri() + " hashes to " + root + ", not the committed root " + b.root());
        }
        return receipts;
    }

    /**
     * The document at {@code uri}, at most {@link #maxDocumentBytes} and {@link #FETCH_DEADLINE}: whoever committed
     * the batch chose the URI, so its server may answer endlessly or slowly.
     */
    private byte[] download(URI uri) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) throw new IllegalStateException("HTTP " + r.statusCode() + " from " + uri);
            var cutoff = CUTOFF.schedule(() -> {
                in.close(); // unblocks the read below
                return null;
            }, FETCH_DEADLINE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            try {
                byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxDocumentBytes + 1));
                if (body.length > maxDocumentBytes) {
                    throw new IllegalStateException("batch document at " + uri + " exceeds " + maxDocumentBytes + " bytes");
                }
                return body;
            } catch (IOException e) {
                if (cutoff.isDone()) {
                    throw new IllegalStateException("batch document at " + uri + " did not arrive within " + FETCH_DEADLINE);
                }
                throw e;
            } finally {
                cutoff.cancel(false);
            }
        }
    }

    /** The contracts this indexer follows. */
    public Deployment deployment() {
        return deployment;
    }

    /** Where it stores what it indexed. */
    public Store store() {
        return store;
    }

    public long head() {
        return head.get();
    }

    public long reorgs() {
        return reorgs.get();
    }

    public Optional<String> lastError() {
        return Optional.ofNullable(lastError.get());
    }

    public void failed(Exception e) {
        lastError.set(e.getMessage() == null ? e.toString() : e.getMessage());
    }
}
