package io.verity.node.receipts;

import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.zip.CRC32C;

/**
 * Durable, append-only log of signed receipts. {@link #append} returns only after the record is on disk
 * (fsync), so a node that answers after appending never hands out a receipt it could forget. Appends from
 * many threads are group-committed: one writer thread writes everything queued and syncs once.
 *
 * <p>File format: a sequence of records {@code u32 length ‖ u32 crc32c(payload) ‖ payload}, payload =
 * {@code 32-byte receipt id ‖ receipt JSON}. On open the log is scanned; a torn or corrupt tail (a crash
 * mid-write, never acknowledged) is truncated, everything before it is kept.
 */
public final class ReceiptLog implements AutoCloseable {
    static final String FILE_NAME = "receipts.log";
    private static final int HEADER = 8;
    private static final int MAX_BATCH = 4096;

    private final Path file;
    private final FileChannel channel;
    private final Map<Keccak256, Long> offsets = new ConcurrentHashMap<>();
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile long end;
    private volatile boolean closed;

    /** One durable record: where it starts in the file, its id and receipt JSON. */
    public record Entry(long offset, Keccak256 id, byte[] json) {
        /** Where the record after this one starts (or will start): a cursor past this entry. */
        public long nextOffset() {
            return offset + HEADER + Keccak256.LENGTH + json.length;
        }
    }

    private record Pending(Keccak256 id, byte[] json, CompletableFuture<Long> done) {}

    private static final Pending POISON = new Pending(Keccak256.ZERO, new byte[0], new CompletableFuture<>());

    private ReceiptLog(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
        this.writer = Thread.ofPlatform().name("receipt-log-writer").daemon().unstarted(this::writeLoop);
    }

    /** Opens (creating if needed) the log in {@code dir}, recovering from a torn tail. */
    public static ReceiptLog open(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE_NAME);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        ReceiptLog log = new ReceiptLog(file, ch);
        try {
            log.recover();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        log.writer.start();
        return log;
    }

    private void recover() throws IOException {
        long size = channel.size();
        long pos = 0;
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        while (pos + HEADER <= size) {
            header.clear();
            readFully(header, pos);
            header.flip();
            int len = header.getInt();
            int crc = header.getInt();
            if (len < Keccak256.LENGTH || pos + HEADER + len > size) break;
            ByteBuffer payload = ByteBuffer.allocate(len);
            readFully(payload, pos + HEADER);
            if (crc32c(payload.array()) != crc) break;
            byte[] id = new byte[Keccak256.LENGTH];
            payload.flip().get(id);
            offsets.put(Keccak256.wrap(id), pos);
            pos += HEADER + len;
        }
        if (pos < size) {
            // Only a record that was never acknowledged can be torn: append() returns after fsync.
            channel.truncate(pos);
            channel.force(true);
        }
        end = pos;
        channel.position(pos);
    }

    /**
     * Appends a receipt and returns once it is durable. Appending an id that is already in the log is a
     * no-op, so a retried request cannot duplicate a receipt.
     *
     * @return the record's offset in the log
     * @throws IOException when the write or sync failed; the receipt must then not be handed out
     */
    public long append(Keccak256 id, byte[] receiptJson) throws IOException {
        Long existing = offsets.get(id);
        if (existing != null) return existing;
        Pending p = new Pending(id, receiptJson.clone(), new CompletableFuture<>());
        synchronized (queue) { // so no append can slip in behind close()'s poison pill and wait forever
            if (closed) throw new IOException("receipt log " + file + " is closed");
            queue.add(p);
        }
        try {
            return p.done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the receipt log", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failAll(queue, new IOException("receipt log writer interrupted"));
                return;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            boolean stop = batch.remove(POISON);
            if (!batch.isEmpty()) commit(batch);
            batch.clear();
            if (stop) {
                failAll(queue, new IOException("receipt log " + file + " is closed"));
                return;
            }
        }
    }

    private void commit(List<Pending> batch) {
        List<Pending> fresh = new ArrayList<>(batch.size());
        int bytes = 0;
        Map<Keccak256, Pending> inBatch = new java.util.HashMap<>();
        for (Pending p : batch) {
            if (offsets.containsKey(p.id) || inBatch.putIfAbsent(p.id, p) != null) continue;
            fresh.add(p);
            bytes += HEADER + Keccak256.LENGTH + p.json.length;
        }
        ByteBuffer buf = ByteBuffer.allocate(bytes);
        long[] at = new long[fresh.size()];
        long pos = end;
        for (int i = 0; i < fresh.size(); i++) {
            Pending p = fresh.get(i);
            byte[] payload = new byte[Keccak256.LENGTH + p.json.length];
            System.arraycopy(p.id.toArray(), 0, payload, 0, Keccak256.LENGTH);
            System.arraycopy(p.json, 0, payload, Keccak256.LENGTH, p.json.length);
            at[i] = pos;
            buf.putInt(payload.length).putInt(crc32c(payload)).put(payload);
            pos += HEADER + payload.length;
        }
        buf.flip();
        try {
            while (buf.hasRemaining()) channel.write(buf);
            channel.force(false);
        } catch (IOException e) {
            // Nothing was acknowledged; roll the file back so a half-written batch cannot be read later.
            try {
                channel.truncate(end);
                channel.position(end);
            } catch (IOException ignored) {
                // the next open() truncates the torn tail
            }
            batch.forEach(p -> p.done.completeExceptionally(e));
            return;
        }
        end = pos;
        for (int i = 0; i < fresh.size(); i++) offsets.put(fresh.get(i).id, at[i]);
        for (Pending p : batch) p.done.complete(offsets.get(p.id));
    }

    private static void failAll(BlockingQueue<Pending> q, IOException e) {
        List<Pending> rest = new ArrayList<>();
        q.drainTo(rest);
        rest.forEach(p -> p.done.completeExceptionally(e));
    }

    /** The receipt JSON for an id, if the log holds it. */
    public Optional<byte[]> get(Keccak256 id) {
        Long off = offsets.get(id);
        if (off == null) return Optional.empty();
        return Optional.of(read(off).json());
    }

    public boolean contains(Keccak256 id) {
        return offsets.containsKey(id);
    }

    public int count() {
        return offsets.size();
    }

    /** Offset just past the last durable record; a cursor for readers such as the batcher. */
    public long endOffset() {
        return end;
    }

    /** Up to {@code max} records starting at {@code offset} (a record start, or {@link #endOffset()}). */
    public List<Entry> readFrom(long offset, int max) {
        List<Entry> out = new ArrayList<>();
        long pos = offset;
        long stop = end;
        while (pos < stop && out.size() < max) {
            Entry e = read(pos);
            out.add(e);
            pos += HEADER + Keccak256.LENGTH + e.json().length;
        }
        return out;
    }

    private Entry read(long offset) {
        try {
            ByteBuffer header = ByteBuffer.allocate(HEADER);
            readFully(header, offset);
            header.flip();
            int len = header.getInt();
            ByteBuffer payload = ByteBuffer.allocate(len);
            readFully(payload, offset + HEADER);
            byte[] id = new byte[Keccak256.LENGTH];
            payload.flip().get(id);
            byte[] json = new byte[len - Keccak256.LENGTH];
            payload.get(json);
            return new Entry(offset, Keccak256.wrap(id), json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read receipt log " + file + " at " + offset, e);
        }
    }

    private void readFully(ByteBuffer dst, long pos) throws IOException {
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos + dst.position());
            if (n < 0) throw new IOException("unexpected end of " + file);
        }
    }

    private static int crc32c(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }

    /** Writes out everything already queued, then closes the file; idempotent. */
    @Override
    public void close() throws IOException {
        synchronized (queue) {
            if (closed) return;
            closed = true;
            queue.add(POISON);
        }
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channel.close();
    }
}
