package io.verity.node.receipts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ReceiptLogTest {
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
    void a_torn_tail_is_truncated_and_earlier_records_kept() throws IOException {
        long goodEnd;
        try (ReceiptLog log = ReceiptLog.open(dir)) {
            log.append(id(1), json(1));
            log.append(id(2), json(2));
            goodEnd = log.endOffset();
        }
        Path file = dir.resolve(ReceiptLog.FILE_NAME);
        // a crash mid-write: a header promising 200 bytes, then only 5
        Files.write(file, new byte[] {0, 0, 0, (byte) 200, 1, 2, 3, 4, 9, 9, 9, 9, 9}, StandardOpenOption.APPEND);
        try (ReceiptLog log = ReceiptLog.open(dir)) {
            assertThat(log.count()).isEqualTo(2);
            assertThat(Files.size(file)).isEqualTo(goodEnd);
            log.append(id(3), json(3));
        }
        try (ReceiptLog log = ReceiptLog.open(dir)) {
            assertThat(log.count()).isEqualTo(3);
            assertThat(log.get(id(3))).contains(json(3));
        }
    }

    @Test
    void a_record_with_a_bad_checksum_ends_the_log() throws IOException {
        try (ReceiptLog log = ReceiptLog.open(dir)) {
            log.append(id(1), json(1));
            log.append(id(2), json(2));
        }
        Path file = dir.resolve(ReceiptLog.FILE_NAME);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 1] ^= 1; // flip a bit in the last record's JSON
        Files.write(file, bytes);
        try (ReceiptLog log = ReceiptLog.open(dir)) {
            assertThat(log.count()).isEqualTo(1);
            assertThat(log.get(id(2))).isEmpty();
        }
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
