package io.verity.node.settle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.verity.node.receipts.ReceiptLog;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.merkle.MerkleBatch;
import io.verity.protocol.wire.InclusionProof;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batcher's crash and retry paths against an in-memory chain that behaves like
 * {@code SettlementClient.commitIdempotently}: committing a root again returns the first batch id. Each
 * test "crashes" by closing a batcher at a chosen step and opening a new one on the same home.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class BatcherTest {
    static final URI URL = URI.create("http://127.0.0.1:7070");
    @TempDir Path home;

    /** Committed batches by root; {@code failures} makes the next calls throw, like an unreachable chain. */
    static final class FakeChain implements ChainPort {
        final Map<Keccak256, Long> committed = new ConcurrentHashMap<>();
        final List<Keccak256> commitOrder = new CopyOnWriteArrayList<>();
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger failAfterCommit = new AtomicInteger();
        final AtomicInteger registrations = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicBoolean modelsChanged = new java.util.concurrent.atomic.AtomicBoolean();

        @Override
        public void ensureRegistered(boolean starting) {
            if (failures.get() > 0) throw new IllegalStateException("chain down");
            registrations.incrementAndGet();
            modelsChanged.set(false);
        }

        @Override
        public boolean modelsChanged() {
            return modelsChanged.get();
        }

        @Override
        public long commit(Keccak256 root, long count, String uri) {
            if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) throw new IllegalStateException("chain down");
            assertThat(uri).isEqualTo(URL + "/v1/batches/" + root.toHex());
            Long id = committed.computeIfAbsent(root, r -> {
                commitOrder.add(r);
                return (long) committed.size();
            });
            if (failAfterCommit.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException("connection reset after the transaction was mined");
            }
            return id;
        }

        @Override
        public void close() {}
    }

    static final class Clock implements InstantSource {
        final AtomicLong millis = new AtomicLong(T0);

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    }

    static ChainSettings settings(int size, Duration age) {
        return ChainSettings.of(Path.of("unused.json")).withBatching(size, age).withMaxBackoff(Duration.ofMillis(20));
    }

    static final long T0 = 1_764_000_000_000L;
    static final long CHAIN = 31337;
    static final EvmAddress SETTLEMENT = EvmAddress.parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    static final String DOMAIN = ",\"domain\":{\"chainId\":" + CHAIN + ",\"verifyingContract\":\"" + SETTLEMENT + "\"}";

    static Batcher start(ReceiptLog log, Path home, FakeChain chain, ChainSettings s, InstantSource clock) throws IOException {
        return Batcher.start(log, home, chain, s, CHAIN, SETTLEMENT, URL, clock);
    }

    /** A batcher that cuts batches by size only: its clock stands still, so no batch ever ages out. */
    static Batcher startBySize(ReceiptLog log, Path home, FakeChain chain, int batchSize) throws IOException {
        return start(log, home, chain, settings(batchSize, Duration.ofHours(1)), new Clock());
    }

    /** {@code ids}, and only they, end up settled in one committed batch. */
    static void assertSettledAsOneBatch(FakeChain chain, Batcher b, List<Keccak256> ids) throws IOException {
        awaitSettled(b, ids.size());
        assertThat(chain.commitOrder).containsExactly(MerkleBatch.of(ids).root());
        assertEachIdInOneCommittedBatch(chain, b, ids);
    }

    /** Every one of {@code ids} settles, in {@code batches} commits, each id in exactly one committed batch. */
    static void assertSettledIn(FakeChain chain, Batcher b, List<Keccak256> ids, int batches) throws IOException {
        awaitSettled(b, ids.size());
        assertThat(chain.commitOrder).hasSize(batches);
        assertEachIdInOneCommittedBatch(chain, b, ids);
    }

    static void awaitSettled(Batcher b, int receipts) {
        await().atMost(Duration.ofSeconds(20)).until(() -> b.settledReceipts() == receipts);
    }

    static List<Keccak256> append(ReceiptLog log, int n, int from) throws IOException {
        List<Keccak256> ids = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            Keccak256 id = Keccak256.hash(("receipt " + i).getBytes(StandardCharsets.UTF_8));
            log.append(id, ("{\"n\":" + i + ",\"timestamp\":" + T0 + DOMAIN + "}").getBytes(StandardCharsets.UTF_8));
            ids.add(id);
        }
        return ids;
    }

    static void assertEachIdInOneCommittedBatch(FakeChain chain, Batcher b, List<Keccak256> ids) throws IOException {
        List<Keccak256> seen = new ArrayList<>();
        for (Keccak256 root : chain.commitOrder) {
            String json = new String(b.batchJson(root).orElseThrow(), StandardCharsets.UTF_8);
            List<Keccak256> batchIds = new ArrayList<>();
            for (var n : BatchFiles.JSON.readTree(json).get("ids")) batchIds.add(Keccak256.parse(n.asText()));
            assertThat(MerkleBatch.of(batchIds).root()).isEqualTo(root);
            seen.addAll(batchIds);
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(ids);
        for (Keccak256 id : ids) {
            InclusionProof p = b.proof(id).orElseThrow();
            assertThat(MerkleBatch.verify(p.batchRoot(), id, p.proof())).isTrue();
            assertThat(p.batchId()).isEqualTo(chain.committed.get(p.batchRoot()));
        }
    }

    @Test
    void cuts_full_batches_and_serves_proofs_once_committed() throws Exception {
        FakeChain chain = new FakeChain();
        try (ReceiptLog log = ReceiptLog.open(home.resolve("receipts"));
                Batcher b = startBySize(log, home, chain, 4)) {
            List<Keccak256> ids = append(log, 8, 0);
            assertSettledIn(chain, b, ids, 2);
            assertThat(chain.registrations.get()).isEqualTo(1);
            String json = new String(b.batchJson(chain.commitOrder.getFirst()).orElseThrow(), StandardCharsets.UTF_8);
            assertThat(json).contains("\"receipts\":[{\"n\":0,\"timestamp\":" + T0 + DOMAIN + "},{\"n\":1,");
        }
    }

    /** Issue 15: a model added to or removed from a running node's hub reaches its registration, without receipts. */
    @Test
    void registers_again_when_the_served_models_change() throws Exception {
        FakeChain chain = new FakeChain();
        try (ReceiptLog log = ReceiptLog.open(home.resolve("receipts"));
                Batcher b = startBySize(log, home, chain, 4)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> chain.registrations.get() == 1);
            chain.modelsChanged.set(true);
            await().atMost(Duration.ofSeconds(20)).until(() -> chain.registrations.get() == 2 && !chain.modelsChanged.get());
        }
    }

    @Test
    void cuts_a_partial_batch_only_once_its_oldest_receipt_is_old_enough() throws Exception {
        FakeChain chain = new FakeChain();
        Clock clock = new Clock();
        try (ReceiptLog log = ReceiptLog.open(home.resolve("receipts"));
                Batcher b = start(log, home, chain, settings(100, Duration.ofMinutes(1)), clock)) {
            List<Keccak256> ids = append(log, 3, 0);
            assertThat(b.proof(ids.getFirst())).isEmpty();
            clock.millis.addAndGet(Duration.ofMinutes(2).toMillis());
            assertSettledIn(chain, b, ids, 1);
        }
    }

    /**
     * Issue 15: once {@code batchMin} receipts wait, every waiting receipt (up to batchSize) goes in one batch at once,
     * without waiting for batchAge; fewer stay until more come. The clock stands still, so no batch ages out.
     */
    @Test
    void cuts_every_waiting_receipt_once_batch_min_wait_and_leaves_fewer_waiting() throws Exception {
        FakeChain chain = new FakeChain();
        try (ReceiptLog log = ReceiptLog.open(home.resolve("receipts"))) {
            List<Keccak256> ids = new ArrayList<>(append(log, 5, 0));
            try (Batcher b = start(log, home, chain, settings(10, Duration.ofHours(1)).withBatchMin(3), new Clock())) {
                assertSettledAsOneBatch(chain, b, ids);
                ids.addAll(append(log, 2, 5)); // two wait: under batchMin, they stay
                ids.addAll(append(log, 1, 7)); // a third: the three go together
                assertSettledIn(chain, b, ids, 2);
                assertThat(b.batchJson(chain.commitOrder.getLast()).orElseThrow()).asString().contains("\"n\":5,", "\"n\":7,");
            }
        }
    }

    @Test
    void a_batch_cut_while_the_chain_was_down_is_posted_once_after_a_restart() throws Exception {
        FakeChain chain = new FakeChain();
        chain.failures.set(Integer.MAX_VALUE);
        List<Keccak256> ids;
        try (ReceiptLog log = ReceiptLog.open(home.resolve("receipts"))) {
            // registration succeeded earlier; the chain goes down before the first commit
            chain.failures.set(0);
            try (Batcher b = startBySize(log, home, chain, 3)) {
                await().until(() -> chain.registrations.get() == 1);
                chain.failures.set(Integer.MAX_VALUE);
                ids = append(log, 3, 0);
                Path state = home.resolve("settle/state.json");
                await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(state)
                        && Files.readString(state).contains("\"pending\":\"0x"));
            }
            assertThat(chain.commitOrder).isEmpty();
            chain.failures.set(0);
            try (Batcher b = startBySize(log, home, chain, 3)) {
                assertSettledAsOneBatch(chain, b, ids);
            }
        }
    }

    @Test
    void a_commit_whose_answer_was_lost_is_retried_without_a_second_batch() throws Exception {
        FakeChain chain = new FakeChain();
        chain.failAfterCommit.set(3);
        try (ReceiptLog log = ReceiptLog.open(home.resolve("receipts"));
                Batcher b = startBySize(log, home, chain, 2)) {
            List<Keccak256> ids = append(log, 4, 0);
            assertSettledIn(chain, b, ids, 2);
        }
    }

    @Test
    void a_batch_file_written_just_before_a_crash_is_dropped_and_its_receipts_batched_again() throws Exception {
        FakeChain chain = new FakeChain();
        try (ReceiptLog log = ReceiptLog.open(home.resolve("receipts"))) {
            List<Keccak256> ids = append(log, 3, 0);
            // The crash came after the batch file but before state.json moved the cursor.
            BatchFiles files = new BatchFiles(home);
            Keccak256 orphan = MerkleBatch.of(ids.subList(0, 2)).root();
            files.writeBatch(BatchFiles.batchJson(orphan, "x", ids.subList(0, 2), List.of("{}".getBytes(), "{}".getBytes())));
            try (Batcher b = startBySize(log, home, chain, 3)) {
                assertThat(b.batchJson(orphan)).isEmpty();
                assertSettledAsOneBatch(chain, b, ids);
            }
        }
    }

    @Test
    void a_receipt_id_logged_twice_is_settled_once() throws Exception {
        FakeChain chain = new FakeChain();
        try (ReceiptLog log = ReceiptLog.open(home.resolve("receipts"));
                Batcher b = startBySize(log, home, chain, 2)) {
            List<Keccak256> ids = append(log, 2, 0);
            awaitSettled(b, 2);
            append(log, 2, 0); // the same two ids again
            List<Keccak256> more = append(log, 2, 10);
            List<Keccak256> all = new ArrayList<>(ids);
            all.addAll(more);
            assertSettledIn(chain, b, all, 2);
        }
    }

    @Test
    void refuses_to_start_when_its_cursor_is_past_the_end_of_the_receipt_log() throws Exception {
        new BatchFiles(home).writeState(new BatchFiles.State(4096, java.util.Optional.empty()));
        try (ReceiptLog log = ReceiptLog.open(home.resolve("receipts"))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(log, home, new FakeChain(),
                            settings(2, Duration.ofHours(1)), new Clock()))
                    .isInstanceOf(IOException.class)
                    .hasMessage("settle/state.json: cursor must be at most the receipt log's end 0, got 4096;"
                            + " was the receipt log replaced?");
        }
    }

    @Test
    void receipts_signed_for_another_domain_stay_unsettled() throws Exception {
        FakeChain chain = new FakeChain();
        try (ReceiptLog log = ReceiptLog.open(home.resolve("receipts"));
                Batcher b = startBySize(log, home, chain, 3)) {
            Keccak256 beforeChain = Keccak256.hash("signed with no chain".getBytes(StandardCharsets.UTF_8));
            log.append(beforeChain, ("{\"timestamp\":" + T0 + ",\"domain\":{\"chainId\":31337,\"verifyingContract\":\""
                    + EvmAddress.ZERO + "\"}}").getBytes(StandardCharsets.UTF_8));
            List<Keccak256> ids = append(log, 2, 0);
            awaitSettled(b, 2);
            assertThat(b.proof(beforeChain)).isEmpty();
            assertEachIdInOneCommittedBatch(chain, b, ids);
        }
    }

    /** Thrown by a test's step hook: stops the batcher thread where a kill -9 would, nothing after it runs. */
    static final class Crash extends Error {
        Crash(Batcher.Step step) {
            super("crashed after " + step, null, false, false);
        }
    }

    /**
     * Issue 13, item 4: a node killed at each durable step of a batch restarts by itself and settles every
     * receipt exactly once. The kill is a {@link Crash} thrown at the step, so each crash state is reached
     * deterministically; {@code RECORDED} is the state that used to stop the node from starting ("state.json
     * names pending batch ... but batches/ has no file for it").
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Batcher.Step.class)
    void a_node_killed_at_any_step_of_a_batch_recovers_and_commits_it_once(Batcher.Step step) throws Exception {
        FakeChain chain = new FakeChain();
        try (ReceiptLog log = ReceiptLog.open(home.resolve("receipts"))) {
            List<Keccak256> ids = append(log, 3, 0);
            var crashed = new java.util.concurrent.CountDownLatch(1);
            try (Batcher b = Batcher.start(log, home, chain, settings(3, Duration.ofHours(1)), CHAIN, SETTLEMENT, URL,
                    new Clock(), s -> {
                        if (s == step) {
                            crashed.countDown();
                            throw new Crash(s);
                        }
                    })) {
                assertThat(crashed.await(20, java.util.concurrent.TimeUnit.SECONDS)).as("reached %s", step).isTrue();
            }
            int committedBefore = chain.commitOrder.size();
            assertThat(committedBefore).isEqualTo(step.compareTo(Batcher.Step.COMMITTED) >= 0 ? 1 : 0);
            try (Batcher b = startBySize(log, home, chain, 3)) {
                assertSettledAsOneBatch(chain, b, ids);
                List<Keccak256> more = append(log, 3, 3); // and it goes on batching
                awaitSettled(b, 6);
                assertThat(chain.commitOrder).hasSize(2);
            }
            assertThat(Files.readString(home.resolve("settle/state.json"))).contains("\"pending\":null");
        }
    }

    @Test
    void names_the_missing_file_when_state_json_points_at_a_batch_that_is_gone() throws Exception {
        Keccak256 root = Keccak256.hash("gone".getBytes(StandardCharsets.UTF_8));
        new BatchFiles(home).writeState(new BatchFiles.State(0, java.util.Optional.of(root)));
        try (ReceiptLog log = ReceiptLog.open(home.resolve("receipts"))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(log, home, new FakeChain(),
                            settings(2, Duration.ofHours(1)), new Clock()))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("settle/state.json names pending batch " + root + " but "
                            + home.resolve("batches").resolve(root.toHex() + ".json") + " is missing");
        }
    }

    @Test
    void rejects_settings_out_of_range_naming_the_field() {
        var s = ChainSettings.of(Path.of("d.json"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.withBatching(0, Duration.ofSeconds(1)))
                .hasMessage("batchSize must be 1..10000, got 0");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.withBatchMin(0))
                .hasMessage("batchMin must be 1..10000, got 0");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.withBatching(10, Duration.ZERO))
                .hasMessage("batchAge must be positive, got PT0S");
        assertThat(s.withAccountKey("0x" + "11".repeat(32)).toString()).doesNotContain("1111").contains("<set>");
    }
}
