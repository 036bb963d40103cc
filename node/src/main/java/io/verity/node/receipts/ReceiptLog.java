package io.verity.node.receipts;

import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Durable, append-only log of signed receipts. {@link #append} returns only after the record is on disk, so a
 * node that answers after appending never hands out a receipt it could forget. Appends from many threads are
 * group-committed without a writer thread: the first appender to find no sync running leads, writes everything
 * queued and syncs once, and completes the records it synced; an appender that arrived during that sync leads the
 * next. A lone appender so syncs its own record, with no thread hand-off.
 *
 * <p>File format: a sequence of records {@code u32 length ‖ u32 crc32c(payload) ‖ payload}, payload =
 * {@code 32-byte receipt id ‖ receipt JSON}, followed by a tail of zero bytes the log has reserved ahead of its
 * appends ({@link #DEFAULT_PREALLOCATE_BYTES} at a time). The log ends at the first record that does not check: a
 * zero length (the reserved tail), a length past the file, or a checksum that does not match (a torn write).
 * A log written before the tail existed is the same records without one, so it opens as is.
 *
 * <p>Why the tail: a record written past the file's end changes its size, and syncing a size is a journal commit
 * on top of the data's flush. Appends into blocks already written (zeros, not a sparse hole or {@code fallocate}d
 * extent, which the file system would still have to mark written) change no metadata, so the sync the file is
 * opened with ({@code O_DSYNC}, i.e. fdatasync after each write) flushes only the record. Only a write that
 * needs a new chunk commits a size, once per chunk.
 *
 * <p>On open the log is scanned; whatever follows the last good record was never acknowledged (a crash
 * mid-write) and is zeroed, so a later, shorter record cannot end where an old one begins and bring it back.
 */
public final class ReceiptLog implements AutoCloseable {
    static final String FILE_NAME = "receipts.log";
    private static final int HEADER = 8;
    private static final int MAX_BATCH = 4096;
    /**
     * Bytes the log reserves (writes as zeros) ahead of its appends, a chunk at a time: 4 MiB, about 3,500
     * receipts, so one append in thousands pays for a size change. 0: no reserve, every append grows the file.
     */
    public static final long DEFAULT_PREALLOCATE_BYTES = 4L << 20;
    /** Read at most this much at a time when checking the tail; write zeros in pieces of at most a default chunk. */
    private static final int SCAN = 1 << 20;
    private static final int ZEROS = (int) DEFAULT_PREALLOCATE_BYTES; // one synced write per default chunk

    private final Path path;
    /**
     * Opened {@code "rwd"} (O_DSYNC): each write returns once its data is on disk, so one write is one fdatasync.
     * Appends go through it; positional reads and recovery through its {@link #channel}.
     */
    private final RandomAccessFile file;
    private final FileChannel channel;
    private final long preallocate;
    /** The file's size: the records and the zero tail reserved after them; changed by the leader only. */
    private long allocated;
    private final Map<Keccak256, Long> offsets = new ConcurrentHashMap<>();
    /** Records waiting for a leader to write them; guarded by itself. */
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    /** Held by the leader: the appending thread that writes and syncs what is queued. */
    private final ReentrantLock writing = new ReentrantLock();
    private volatile long end;
    private volatile boolean closed;

    /** One durable record: where it starts in the file, its id and receipt JSON. */
    public record Entry(long offset, Keccak256 id, byte[] json) {
        /** Where the record after this one starts (or will start): a cursor past this entry. */
        public long nextOffset() {
            return offset + HEADER + Keccak256.LENGTH + json.length;
        }
    }

    /**
     * Where one append's time went: waiting for a leader to take it (zero when the appender leads), the write
     * and fsync of the batch that held it, and from the fsync's end until the appending thread ran again.
     */
    public record AppendTimes(long queueNanos, long syncNanos, long wakeNanos) {}

    private static final class Pending {
        final Keccak256 id;
        final byte[] json;
        final Thread waiter = Thread.currentThread();
        final CompletableFuture<Long> done = new CompletableFuture<>();
        final long enqueued = System.nanoTime();
        volatile long taken, synced; // by the leader, read by the appender after done completes

        Pending(Keccak256 id, byte[] json) {
            this.id = id;
            this.json = json;
        }
    }

    private ReceiptLog(Path path, RandomAccessFile file, long preallocate) {
        this.path = path;
        this.file = file;
        this.channel = file.getChannel();
        this.preallocate = preallocate;
    }

    /** Opens (creating if needed) the log in {@code dir} with the default reserve, recovering from a torn tail. */
    public static ReceiptLog open(Path dir) throws IOException {
        return open(dir, DEFAULT_PREALLOCATE_BYTES);
    }

    /**
     * Opens (creating if needed) the log in {@code dir}, recovering from a torn tail.
     *
     * @param preallocateBytes how much the log reserves ahead of its appends at a time (see the class comment);
     *     0 to grow the file with every append, which makes every sync commit the file's size too
     * @throws IllegalArgumentException when {@code preallocateBytes} is negative
     */
    public static ReceiptLog open(Path dir, long preallocateBytes) throws IOException {
        if (preallocateBytes < 0) throw new IllegalArgumentException("preallocateBytes must be >= 0, got " + preallocateBytes);
        Files.createDirectories(dir);
        Path path = dir.resolve(FILE_NAME);
        RandomAccessFile file = new RandomAccessFile(path.toFile(), "rwd"); // creates it if needed
        ReceiptLog log = new ReceiptLog(path, file, preallocateBytes);
        try {
            log.recover();
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
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
        // Only a record that was never acknowledged can be torn: append() returns after the sync.
        if (preallocate == 0 && pos < size) {
            channel.truncate(pos);
            channel.force(true);
            size = pos;
        } else if (!zeroFrom(pos, size)) {
            writeZeros(pos, size);
            channel.force(true);
        }
        end = pos;
        allocated = size;
        if (preallocate > 0 && allocated - end < preallocate / 2) reserve(end); // so the next answers pay no size change
    }

    /** Whether the file holds only zero bytes in {@code [from, to)}. */
    private boolean zeroFrom(long from, long to) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(SCAN, Math.max(0, to - from)));
        for (long pos = from; pos < to; pos += buf.limit()) {
            buf.clear().limit((int) Math.min(buf.capacity(), to - pos));
            readFully(buf, pos);
            for (int i = 0; i < buf.limit(); i++) if (buf.get(i) != 0) return false;
        }
        return true;
    }

    /** Writes zeros over {@code [from, to)} through {@link #file} (each write synced, see there). */
    private void writeZeros(long from, long to) throws IOException {
        byte[] zeros = new byte[(int) Math.min(ZEROS, Math.max(0, to - from))];
        file.seek(from);
        for (long pos = from; pos < to; pos += zeros.length) file.write(zeros, 0, (int) Math.min(zeros.length, to - pos));
    }

    /** Under {@link #writing} (or in open): makes the file a chunk longer than {@code needed} bytes. */
    private void reserve(long needed) throws IOException {
        long target = Math.max(needed, allocated) + preallocate;
        writeZeros(allocated, target);
        allocated = target;
    }

    /**
     * Appends a receipt and returns once it is durable. Appending an id that is already in the log is a
     * no-op, so a retried request cannot duplicate a receipt.
     *
     * @return the record's offset in the log
     * @throws IOException when the write or sync failed; the receipt must then not be handed out
     */
    public long append(Keccak256 id, byte[] receiptJson) throws IOException {
        return append(id, receiptJson, null);
    }

    /** As {@link #append(Keccak256, byte[])}, telling {@code times} (if not null) where the wait went. */
    public long append(Keccak256 id, byte[] receiptJson, Consumer<AppendTimes> times) throws IOException {
        Long existing = offsets.get(id);
        if (existing != null) return existing;
        Pending p = new Pending(id, receiptJson.clone());
        synchronized (queue) { // so no append can slip in behind close()'s last commit and wait forever
            if (closed) throw new IOException("receipt log " + path + " is closed");
            queue.add(p);
        }
        boolean interrupted = false;
        while (!p.done.isDone()) {
            if (writing.tryLock()) {
                // The leader: writes and syncs everything queued, its own record included (queued before the lock).
                try {
                    commitQueued();
                } finally {
                    writing.unlock();
                    wakeNextLeader(); // also after a failure: those still queued must not wait for nobody
                }
            } else {
                // A leader is syncing: it completes this record if it took it, else wakes this thread to lead next.
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    boolean withdrawn;
                    synchronized (queue) {
                        withdrawn = queue.remove(p);
                    }
                    if (withdrawn) { // never written: the caller withholds the answer
                        wakeNextLeader();
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while waiting for the receipt log");
                    }
                    interrupted = true; // a leader is writing it: wait for the outcome, then restore the flag
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        try {
            long offset = p.done.join();
            if (times != null && p.synced != 0) {
                times.accept(new AppendTimes(p.taken - p.enqueued, p.synced - p.taken, System.nanoTime() - p.synced));
            }
            return offset;
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    /** Under {@link #writing}: takes what is queued and commits it (one write, one fsync). */
    private void commitQueued() {
        List<Pending> batch = new ArrayList<>();
        synchronized (queue) {
            for (Pending p; batch.size() < MAX_BATCH && (p = queue.poll()) != null; ) batch.add(p);
        }
        if (batch.isEmpty()) return;
        long taken = System.nanoTime();
        for (Pending p : batch) p.taken = taken;
        try {
            commit(batch);
        } catch (RuntimeException | Error e) { // never leave an appender waiting on a record nobody will finish
            batch.forEach(p -> p.done.completeExceptionally(new IOException("receipt log write failed", e)));
            throw e;
        } finally {
            Thread self = Thread.currentThread();
            for (Pending p : batch) {
                if (p.waiter != self) LockSupport.unpark(p.waiter);
            }
        }
    }

    /** After a leader unlocks: the oldest record still queued has its appender lead the next commit. */
    private void wakeNextLeader() {
        Pending head;
        synchronized (queue) {
            head = queue.peek();
        }
        if (head != null) LockSupport.unpark(head.waiter);
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
            // Through the RandomAccessFile, not the channel: an appending request thread leads the commit, and
            // an interrupt during a FileChannel write or force would close the channel, and so the whole log.
            // The file is O_DSYNC: the write returns once the batch is on disk, and, into the reserved tail, it
            // flushes the data only (no size change to commit).
            if (preallocate > 0 && pos > allocated) reserve(pos);
            file.seek(end);
            file.write(buf.array(), 0, buf.limit());
        } catch (IOException e) {
            // Nothing was acknowledged; undo the batch so a half-written one cannot be read later.
            try {
                if (preallocate == 0) {
                    file.setLength(end);
                } else {
                    writeZeros(end, Math.min(pos, allocated));
                }
            } catch (IOException ignored) {
                // the next open() zeroes (or truncates) what follows the last good record
            } finally {
                try {
                    allocated = file.length();
                } catch (IOException ignored) {
                    // keep the last known size; a failed reserve is retried on the next batch
                }
            }
            batch.forEach(p -> p.done.completeExceptionally(e));
            return;
        }
        end = pos;
        allocated = Math.max(allocated, pos);
        long synced = System.nanoTime();
        for (int i = 0; i < fresh.size(); i++) offsets.put(fresh.get(i).id, at[i]);
        for (Pending p : batch) {
            p.synced = synced;
            p.done.complete(offsets.get(p.id));
        }
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
            throw new UncheckedIOException("cannot read receipt log " + path + " at " + offset, e);
        }
    }

    private void readFully(ByteBuffer dst, long pos) throws IOException {
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos + dst.position());
            if (n < 0) throw new IOException("unexpected end of " + path);
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
        }
        writing.lock();
        try {
            while (true) {
                synchronized (queue) {
                    if (queue.isEmpty()) break;
                }
                commitQueued();
            }
            file.close();
        } finally {
            writing.unlock();
        }
    }
}
