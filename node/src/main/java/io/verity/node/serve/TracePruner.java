package io.verity.node.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.node.settle.BatchFiles;
import io.verity.node.settle.Loop;
import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the kept inputs ({@link TraceStore}) of receipts that can no longer be disputed: DisputeGame's {@code open}
 * refuses a receipt more than {@code disputeWindow} after its batch commit (docs/deterministic-engine.md, "Dispute
 * window"). It walks this node's committed batches in id order (commit order, so oldest first) and deletes a receipt's
 * file only when, at the chain's latest block, its window closed more than {@link #MARGIN} ago and no game is open on
 * it; a receipt under an open game is held and looked at again each round until its game ends. Each decision stands
 * alone, so a crash halfway deletes nothing still needed; the cursor and the held ids ({@code traces/pruned.json})
 * only save work, and a lost cursor means the batches are walked again.
 */
public final class TracePruner implements AutoCloseable {
    /** Chain time past a window's end before its files go: a reorg of that much could still land a late open. */
    public static final Duration MARGIN = Duration.ofMinutes(15);
    /** Receipts and batches looked at per round: bounds the disk and RPC work of one round. */
    static final int BUDGET = 256;
    /** Between rounds when nothing is due: one eth_call (the latest block) per round. */
    private static final Duration IDLE = Duration.ofSeconds(5);
    /** After a failure (chain unreachable, or a DisputeGame deployed before the window existed). */
    private static final Duration RETRY = Duration.ofMinutes(1);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(TracePruner.class);

    /** One batch this node committed: its id on chain and its receipt ids. */
    public record Batch(long batchId, List<Keccak256> receiptIds) {
        public Batch {
            receiptIds = List.copyOf(receiptIds);
        }
    }

    /** The node's committed batches (the batcher's). */
    public interface Batches {
        /** The committed batch with the smallest id above {@code batchId}; empty when there is none yet. */
        Optional<Batch> after(long batchId);
    }

    /** What the pruner reads on chain: DisputeGame's window and open games, Settlement's commit times. */
    public interface Disputes {
        Duration window();

        /** The latest block's time. */
        Instant now();

        /** When batch {@code batchId} was committed (Settlement's record). */
        Instant settledAt(long batchId);

        /** A game is open on the receipt (DisputeGame.openGame). */
        boolean open(Keccak256 receiptId);
    }

    private final TraceStore store;
    private final Batches batches;
    private final Disputes disputes;
    private final Path stateFile;
    private final Loop loop;
    // pruning thread only:
    private long after;
    private final Set<Keccak256> held = new LinkedHashSet<>();
    private Duration window;
    private Batch current;
    private Instant currentCloses;
    private int position;
    private boolean busy; // the last round used its whole budget: more may be due at once

    TracePruner(TraceStore store, Batches batches, Disputes disputes) throws IOException {
        this.store = store;
        this.batches = batches;
        this.disputes = disputes;
        this.stateFile = store.dir().resolve("pruned.json");
        readState();
        this.loop = new Loop("trace-pruner", this::run);
    }

    /** Starts pruning in the background; closing stops it (idempotent). */
    public static TracePruner start(TraceStore store, Batches batches, Disputes disputes) throws IOException {
        TracePruner p = new TracePruner(store, batches, disputes);
        p.loop.start();
        return p;
    }

    /**
     * One bounded round: looks at up to {@link #BUDGET} receipts and batches (held receipts first; a batch costs one
     * for its commit time).
     *
     * @return how many files it deleted
     */
    int round() throws IOException {
        if (window == null) window = disputes.window();
        int looked = 0;
        int deleted = 0;
        boolean changed = false;
        for (Iterator<Keccak256> it = held.iterator(); it.hasNext() && looked < BUDGET; looked++) {
            Keccak256 id = it.next();
            if (!disputes.open(id)) {
                store.delete(id);
                it.remove();
                deleted++;
                changed = true;
            }
        }
        Instant now = null;
        while (looked < BUDGET) {
            if (current == null) {
                Optional<Batch> next = batches.after(after);
                if (next.isEmpty()) break;
                current = next.get();
                position = 0;
                currentCloses = disputes.settledAt(current.batchId()).plus(window).plus(MARGIN);
                looked++;
            }
            if (now == null) now = disputes.now();
            if (!now.isAfter(currentCloses)) break; // later batches were committed later: none is due either
            List<Keccak256> ids = current.receiptIds();
            while (position < ids.size() && looked < BUDGET) {
                Keccak256 id = ids.get(position++);
                looked++;
                if (!store.has(id)) continue; // not disputable (no trace), or deleted before a restart
                if (disputes.open(id)) {
                    held.add(id);
                } else {
                    store.delete(id);
                    deleted++;
                }
            }
            if (position == ids.size()) {
                after = current.batchId();
                current = null;
                changed = true;
            }
        }
        if (changed) writeState();
        busy = looked >= BUDGET;
        return deleted;
    }

    private void run() {
        while (!loop.closed()) {
            try {
                int deleted = round();
                if (deleted > 0) LOG.info("deleted the kept inputs of {} receipt(s) past their dispute window", deleted);
                // a full round means more may be due: go on at once (after a pause that lets a close in)
                loop.sleep(busy ? 10 : IDLE.toMillis());
            } catch (IOException | RuntimeException e) {
                if (loop.closed()) break;
                LOG.warn("pruning kept inputs failed, nothing deleted since; retrying in {}: {}", RETRY, e.toString());
                current = null; // read the batch again
                loop.sleep(RETRY.toMillis());
            }
        }
    }

    private void readState() throws IOException {
        after = -1;
        if (!Files.exists(stateFile)) return;
        JsonNode n = JSON.readTree(stateFile.toFile());
        JsonNode a = n.get("after");
        if (a == null || !a.canConvertToLong()) throw new IOException(stateFile + ": /after must be a batch id, got " + a);
        after = a.asLong();
        for (JsonNode id : n.path("held")) held.add(Keccak256.parse(id.asText()));
    }

    private void writeState() throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("after", after);
        var h = n.putArray("held");
        held.forEach(id -> h.add(id.toHex()));
        Files.createDirectories(stateFile.getParent());
        BatchFiles.atomicWrite(stateFile, JSON.writeValueAsBytes(n));
    }

    @Override
    public void close() {
        loop.stop(Duration.ofSeconds(10));
    }
}
