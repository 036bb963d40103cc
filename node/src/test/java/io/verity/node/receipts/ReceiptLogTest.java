package io.verity.node.receipts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ReceiptLogTest {
    /** A reserve small enough for tests to look at, big enough for a few records. */
    private static final long SMALL = 4096;

    @TempDir Path dir;

    private static Keccak256 id(int i) {
        return Keccak256.hash(("receipt-" + i).getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] json(int i) {
        return ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void appended_receipts_survive_reopening() throws IOException {
        try (ReceiptLog log = ReceiptLog.open(dir)) {
            for (int i = 0; i < 10; i++) log.append(id(i), json(i));
        }
        try (ReceiptLog log = ReceiptLog.open(dir)) {
            assertThat(log.count()).isEqualTo(10);
            for (int i = 0; i < 10; i++) assertThat(log.get(id(i))).contains(json(i));
            assertThat(log.get(id(99))).isEmpty();
        }
    }

    @Test
    void appending_the_same_id_twice_keeps_one_record() throws IOException {
        try (ReceiptLog log = ReceiptLog.open(dir)) {
            long first = log.append(id(1), json(1));
            long second = log.append(id(1), json(1));
            assertThat(second).isEqualTo(first);
            assertThat(log.count()).isEqualTo(1);
            assertThat(log.readFrom(0, 100)).hasSize(1);
        }
    }

    @Test
    void a_torn_tail_is_dropped_and_earlier_records_kept() throws IOException {
        long goodEnd;
        try (ReceiptLog log = ReceiptLog.open(dir, SMALL)) {
            log.append(id(1), json(1));
            log.append(id(2), json(2));
            goodEnd = log.endOffset();
        }
        // a crash mid-write: a header promising 200 bytes, then only 5, in the reserved tail
        overwrite(goodEnd, new byte[] {0, 0, 0, (byte) 200, 1, 2, 3, 4, 9, 9, 9, 9, 9});
        try (ReceiptLog log = ReceiptLog.open(dir, SMALL)) {
            assertThat(log.count()).isEqualTo(2);
            assertThat(log.endOffset()).isEqualTo(goodEnd);
            assertZeroFrom(goodEnd);
            log.append(id(3), json(3));
        }
        try (ReceiptLog log = ReceiptLog.open(dir, SMALL)) {
            assertThat(log.count()).isEqualTo(3);
            assertThat(log.get(id(3))).contains(json(3));
        }
    }

    @Test
    void a_torn_tail_is_truncated_when_the_log_reserves_nothing() throws IOException {
        long goodEnd;
        try (ReceiptLog log = ReceiptLog.open(dir, 0)) {
            log.append(id(1), json(1));
            goodEnd = log.endOffset();
            assertThat(Files.size(file())).isEqualTo(goodEnd); // grows with each append
        }
        Files.write(file(), new byte[] {0, 0, 0, (byte) 200, 1, 2, 3, 4, 9}, StandardOpenOption.APPEND);
        try (ReceiptLog log = ReceiptLog.open(dir, 0)) {
            assertThat(log.count()).isEqualTo(1);
            assertThat(Files.size(file())).isEqualTo(goodEnd);
            log.append(id(2), json(2));
            assertThat(Files.size(file())).isEqualTo(log.endOffset());
        }
        try (ReceiptLog log = ReceiptLog.open(dir, 0)) {
            assertThat(log.get(id(2))).contains(json(2));
        }
    }

    @Test
    void a_record_with_a_bad_checksum_ends_the_log() throws IOException {
        long end;
        try (ReceiptLog log = ReceiptLog.open(dir, SMALL)) {
            log.append(id(1), json(1));
            log.append(id(2), json(2));
            end = log.endOffset();
        }
        overwrite(end - 1, new byte[] {(byte) (json(2)[json(2).length - 1] ^ 1)}); // flip a bit in the last record's JSON
        try (ReceiptLog log = ReceiptLog.open(dir, SMALL)) {
            assertThat(log.count()).isEqualTo(1);
            assertThat(log.get(id(2))).isEmpty();
        }
    }

    @Test
    void the_log_reserves_zeros_ahead_and_appends_into_them() throws IOException {
        try (ReceiptLog log = ReceiptLog.open(dir, SMALL)) {
            assertThat(Files.size(file())).isGreaterThanOrEqualTo(SMALL);
            log.append(id(1), json(1));
            assertThat(Files.size(file())).isGreaterThan(log.endOffset());
            assertZeroFrom(log.endOffset());
        }
        try (ReceiptLog log = ReceiptLog.open(dir, SMALL)) { // the zero tail is not a record
            assertThat(log.count()).isEqualTo(1);
            assertThat(log.readFrom(0, 10)).extracting(ReceiptLog.Entry::id).containsExactly(id(1));
        }
    }

    @Test
    void appends_past_the_reserve_take_another_chunk_and_stay_durable() throws IOException {
        int n = 300; // ~40 bytes each: several 1 KiB chunks
        try (ReceiptLog log = ReceiptLog.open(dir, 1024)) {
            for (int i = 0; i < n; i++) log.append(id(i), json(i));
            assertThat(Files.size(file())).isGreaterThan(log.endOffset());
        }
        try (ReceiptLog log = ReceiptLog.open(dir, 1024)) {
            assertThat(log.count()).isEqualTo(n);
            for (int i = 0; i < n; i++) assertThat(log.get(id(i))).contains(json(i));
        }
    }

    @Test
    void garbage_after_the_last_record_is_zeroed_not_read() throws IOException {
        long end;
        try (ReceiptLog log = ReceiptLog.open(dir, SMALL)) {
            log.append(id(1), json(1));
            end = log.endOffset();
        }
        byte[] garbage = new byte[3000];
        new java.util.Random(7).nextBytes(garbage);
        overwrite(end + 100, garbage);
        try (ReceiptLog log = ReceiptLog.open(dir, SMALL)) {
            assertThat(log.count()).isEqualTo(1);
            assertZeroFrom(end);
            log.append(id(2), json(2));
        }
        try (ReceiptLog log = ReceiptLog.open(dir, SMALL)) {
            assertThat(log.readFrom(0, 10)).extracting(ReceiptLog.Entry::id).containsExactly(id(1), id(2));
        }
    }

    @Test
    void a_whole_record_behind_a_torn_one_is_not_brought_back_by_a_later_append() throws IOException {
        // A crash mid-batch: record 2 torn, record 3 (never acknowledged) landed whole behind it.
        byte[] padded = ("{\"n\":2,\"pad\":\"" + "x".repeat(40) + "\"}").getBytes(StandardCharsets.UTF_8);
        long end1, at3;
        try (ReceiptLog log = ReceiptLog.open(dir, SMALL)) {
            log.append(id(1), json(1));
            end1 = log.endOffset();
            log.append(id(2), padded);
            at3 = log.endOffset();
            log.append(id(3), json(3));
        }
        overwrite(end1 + 8, new byte[] {'#'}); // tear record 2: its checksum fails
        try (ReceiptLog log = ReceiptLog.open(dir, SMALL)) {
            assertThat(log.readFrom(0, 10)).extracting(ReceiptLog.Entry::id).containsExactly(id(1));
            // a record exactly as long as the torn one ends where record 3 began
            long at = log.append(id(4), ("{\"n\":4,\"pad\":\"" + "y".repeat(40) + "\"}").getBytes(StandardCharsets.UTF_8));
            assertThat(log.readFrom(at, 1).get(0).nextOffset()).isEqualTo(at3);
        }
        try (ReceiptLog log = ReceiptLog.open(dir, SMALL)) { // record 3 was zeroed on the first reopen
            assertThat(log.readFrom(0, 10)).extracting(ReceiptLog.Entry::id).containsExactly(id(1), id(4));
        }
    }

    @Test
    void a_log_written_without_a_reserved_tail_opens_and_takes_appends() throws IOException {
        // The format before the reserve: records up to the file's end (as written by ReceiptLog.open(dir, 0)).
        Files.createDirectories(dir);
        java.io.ByteArrayOutputStream old = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 3; i++) old.writeBytes(oldRecord(id(i), json(i)));
        Files.write(file(), old.toByteArray());
        try (ReceiptLog log = ReceiptLog.open(dir)) {
            assertThat(log.endOffset()).isEqualTo(old.size());
            for (int i = 0; i < 3; i++) assertThat(log.get(id(i))).contains(json(i));
            log.append(id(3), json(3));
            assertThat(Files.size(file())).isGreaterThan(log.endOffset()); // reserved from now on
        }
        try (ReceiptLog log = ReceiptLog.open(dir)) {
            assertThat(log.readFrom(0, 10)).extracting(ReceiptLog.Entry::id).containsExactly(id(0), id(1), id(2), id(3));
        }
        assertThat(Arrays.copyOf(Files.readAllBytes(file()), old.size())).isEqualTo(old.toByteArray()); // never rewritten
    }

    @Test
    void a_file_cut_mid_record_keeps_the_records_before_and_is_reserved_again() throws IOException {
        long end1, end2;
        try (ReceiptLog log = ReceiptLog.open(dir, SMALL)) {
            log.append(id(1), json(1));
            end1 = log.endOffset();
            log.append(id(2), json(2));
            end2 = log.endOffset();
        }
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            ch.truncate(end2 - 3); // the file ends inside record 2
        }
        try (ReceiptLog log = ReceiptLog.open(dir, SMALL)) {
            assertThat(log.endOffset()).isEqualTo(end1);
            assertThat(log.get(id(2))).isEmpty();
            assertThat(Files.size(file())).isGreaterThanOrEqualTo(end1 + SMALL / 2); // written ahead again
            assertZeroFrom(end1);
            log.append(id(2), json(2)); // the id was never acknowledged: it may be appended again
        }
        try (ReceiptLog log = ReceiptLog.open(dir, SMALL)) {
            assertThat(log.readFrom(0, 10)).extracting(ReceiptLog.Entry::id).containsExactly(id(1), id(2));
        }
    }

    @Test
    void a_negative_reserve_is_refused() {
        assertThatThrownBy(() -> ReceiptLog.open(dir, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("preallocateBytes must be >= 0, got -1");
    }

    /** A record as every version of the log writes it: length, CRC32C of the payload, id, JSON. */
    private static byte[] oldRecord(Keccak256 id, byte[] json) {
        ByteBuffer payload = ByteBuffer.allocate(Keccak256.LENGTH + json.length).put(id.toArray()).put(json);
        CRC32C crc = new CRC32C();
        crc.update(payload.array());
        return ByteBuffer.allocate(8 + payload.capacity()).putInt(payload.capacity()).putInt((int) crc.getValue())
                .put(payload.array()).array();
    }

    private Path file() {
        return dir.resolve(ReceiptLog.FILE_NAME);
    }

    private void overwrite(long at, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), at);
        }
    }

    private void assertZeroFrom(long from) throws IOException {
        byte[] all = Files.readAllBytes(file());
        assertThat(Arrays.copyOfRange(all, (int) from, all.length)).as("the bytes after the last record").containsOnly((byte) 0);
    }

    @Test
    void concurrent_appends_are_all_durable() throws Exception {
        int n = 2000;
        try (ReceiptLog log = ReceiptLog.open(dir); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                futures.add(pool.submit((Callable<Long>) () -> log.append(id(k), json(k))));
            }
            for (Future<Long> f : futures) f.get();
        }
        try (ReceiptLog log = ReceiptLog.open(dir)) {
            assertThat(log.count()).isEqualTo(n);
            for (int i = 0; i < n; i++) assertThat(log.get(id(i))).contains(json(i));
        }
    }

    @Test
    void readFrom_walks_the_log_in_append_order_from_a_cursor() throws IOException {
        try (ReceiptLog log = ReceiptLog.open(dir)) {
            for (int i = 0; i < 5; i++) log.append(id(i), json(i));
            List<ReceiptLog.Entry> first = log.readFrom(0, 3);
            assertThat(first).extracting(ReceiptLog.Entry::id).containsExactly(id(0), id(1), id(2));
            long cursor = log.readFrom(first.get(2).offset(), 1).get(0).offset();
            List<ReceiptLog.Entry> rest = log.readFrom(cursor, 10);
            assertThat(rest).extracting(ReceiptLog.Entry::id).containsExactly(id(2), id(3), id(4));
            assertThat(log.readFrom(log.endOffset(), 10)).isEmpty();
        }
    }

    @Test
    void appending_after_close_fails_instead_of_waiting() throws IOException {
        ReceiptLog log = ReceiptLog.open(dir);
        log.close();
        log.close();
        assertThatThrownBy(() -> log.append(id(1), json(1))).isInstanceOf(IOException.class).hasMessageContaining("closed");
    }

    @Test
    void an_interrupted_appender_neither_breaks_the_log_nor_loses_an_acknowledged_record() throws Exception {
        // Appenders lead the commit themselves; an interrupt must not close the file under everyone else.
        int n = 400;
        try (ReceiptLog log = ReceiptLog.open(dir); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Boolean>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                futures.add(pool.submit(() -> {
                    if (k % 3 == 0) Thread.currentThread().interrupt();
                    try {
                        log.append(id(k), json(k));
                        return true;
                    } catch (IOException interrupted) {
                        return false; // withdrawn before it was written: not acknowledged
                    }
                }));
            }
            List<Integer> acknowledged = new ArrayList<>();
            for (int i = 0; i < n; i++) if (futures.get(i).get()) acknowledged.add(i);
            assertThat(acknowledged).contains(1, 2, n - 2); // the uninterrupted ones at least
            log.append(id(n), json(n)); // and the log still takes appends
            for (int k : acknowledged) assertThat(log.get(id(k))).contains(json(k));
        }
        try (ReceiptLog log = ReceiptLog.open(dir)) { // everything acknowledged is on disk
            assertThat(log.get(id(n))).contains(json(n));
            assertThat(log.get(id(1))).contains(json(1));
        }
    }

    @Test
    void append_times_account_for_the_wait() throws IOException {
        try (ReceiptLog log = ReceiptLog.open(dir)) {
            List<ReceiptLog.AppendTimes> seen = new ArrayList<>();
            log.append(id(1), json(1), seen::add);
            assertThat(seen).singleElement().satisfies(t -> {
                assertThat(t.queueNanos()).isNotNegative();
                assertThat(t.syncNanos()).isPositive();
                assertThat(t.wakeNanos()).isNotNegative();
            });
        }
    }
}
