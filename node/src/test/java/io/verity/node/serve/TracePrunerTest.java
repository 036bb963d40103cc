package io.verity.node.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@link TraceStore} on a temp dir, pruned by a {@link TracePruner} whose chain is a table: batch commit
 * times, a block clock the test moves, and the receipts under an open game.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TracePrunerTest {
    static final Duration WINDOW = Duration.ofDays(1);
    static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    @TempDir Path dir;

    /** The batcher's committed batches and the chain's view of them. */
    static final class Chain implements TracePruner.Batches, TracePruner.Disputes {
        final List<TracePruner.Batch> batches = new ArrayList<>();
        final Map<Long, Instant> settled = new HashMap<>();
        final Set<Keccak256> openGames = new HashSet<>();
        Instant now = T0;
        int failOpenAfter = Integer.MAX_VALUE; // open() throws once called this many times (an RPC outage)
        int openCalls;

        void commit(long batchId, Instant at, List<Keccak256> ids) {
            batches.add(new TracePruner.Batch(batchId, ids));
            settled.put(batchId, at);
        }

        @Override
        public Optional<TracePruner.Batch> after(long batchId) {
            return batches.stream().filter(b -> b.batchId() > batchId).findFirst();
        }

        @Override
        public Duration window() {
            return WINDOW;
        }

        @Override
        public Instant now() {
            return now;
        }

        @Override
        public Instant settledAt(long batchId) {
            return settled.get(batchId);
        }

        @Override
        public boolean open(Keccak256 receiptId) {
            if (++openCalls > failOpenAfter) throw new UncheckedIOException(new IOException("rpc down"));
            return openGames.contains(receiptId);
        }
    }

    final Chain chain = new Chain();

    TraceStore store() {
        return new TraceStore(dir);
    }

    static Keccak256 id(int i) {
        return Keccak256.hash(new byte[] {(byte) (i >> 8), (byte) i});
    }

    List<Keccak256> kept(TraceStore store, int from, int count) {
        List<Keccak256> ids = IntStream.range(from, from + count).mapToObj(TracePrunerTest::id).toList();
        ids.forEach(id -> store.record(id, List.of(Tensor.ofFloats("x", Shape.of(2), 1f, 2f))));
        return ids;
    }

    /** {@code count} receipts with kept inputs, committed as batch {@code batchId} at {@code at}. */
    List<Keccak256> batch(TraceStore store, long batchId, Instant at, int from, int count) {
        List<Keccak256> ids = kept(store, from, count);
        chain.commit(batchId, at, ids);
        return ids;
    }

    @Test
    void deletes_only_inputs_whose_window_closed_and_holds_a_disputed_one_until_its_game_ends() throws IOException {
        TraceStore store = store();
        List<Keccak256> old = batch(store, 4, T0, 0, 3);
        List<Keccak256> young = batch(store, 9, T0.plus(Duration.ofHours(6)), 10, 2);
        List<Keccak256> unsettled = kept(store, 20, 1); // in no batch yet
        chain.openGames.add(old.get(1));
        TracePruner pruner = new TracePruner(store, chain, chain);

        chain.now = T0.plus(WINDOW); // the last second a challenger may open the old batch's receipts
        assertThat(pruner.round()).isZero();
        chain.now = T0.plus(WINDOW).plus(TracePruner.MARGIN).plusSeconds(1);
        assertThat(pruner.round()).isEqualTo(2);
        assertThat(store.has(old.get(0))).isFalse();
        assertThat(store.has(old.get(1))).as("under an open game").isTrue();
        assertThat(store.has(old.get(2))).isFalse();
        assertThat(young).allMatch(store::has);
        assertThat(unsettled).allMatch(store::has);

        chain.openGames.clear(); // the game resolved
        assertThat(pruner.round()).isEqualTo(1);
        assertThat(store.has(old.get(1))).isFalse();
        assertThat(young).allMatch(store::has);
        assertThat(store.inputs(young.getFirst())).hasValueSatisfying(in -> assertThat(in).hasSize(1));
    }

    @Test
    void a_restart_resumes_from_its_cursor_and_remembers_held_receipts() throws IOException {
        TraceStore store = store();
        List<Keccak256> a = batch(store, 1, T0, 0, 2);
        List<Keccak256> b = batch(store, 2, T0.plus(Duration.ofDays(3)), 10, 2);
        chain.openGames.add(a.get(0));
        chain.now = T0.plus(Duration.ofDays(2));
        assertThat(new TracePruner(store, chain, chain).round()).isEqualTo(1);

        chain.openGames.clear();
        TracePruner restarted = new TracePruner(store, chain, chain); // reads traces/pruned.json
        assertThat(restarted.round()).isEqualTo(1);
        assertThat(a).noneMatch(store::has);
        assertThat(b).allMatch(store::has);
    }

    @Test
    void a_failure_halfway_deletes_nothing_still_needed_and_the_next_round_finishes() throws IOException {
        TraceStore store = store();
        List<Keccak256> due = batch(store, 1, T0, 0, 5);
        List<Keccak256> young = batch(store, 2, T0.plus(Duration.ofDays(2)), 10, 2);
        chain.now = T0.plus(Duration.ofDays(2));
        chain.failOpenAfter = 2;
        TracePruner pruner = new TracePruner(store, chain, chain);

        assertThatThrownBy(pruner::round).hasMessageContaining("rpc down");
        assertThat(due.stream().filter(store::has)).hasSize(3);
        assertThat(young).allMatch(store::has);

        chain.failOpenAfter = Integer.MAX_VALUE;
        TracePruner again = new TracePruner(store, chain, chain); // as after a crash: no cursor was written
        assertThat(again.round()).isEqualTo(3);
        assertThat(due).noneMatch(store::has);
        assertThat(young).allMatch(store::has);
    }

    @Test
    void one_round_looks_at_no_more_than_its_budget() throws IOException {
        TraceStore store = store();
        List<Keccak256> due = batch(store, 1, T0, 0, TracePruner.BUDGET + 5);
        chain.now = T0.plus(Duration.ofDays(2));
        TracePruner pruner = new TracePruner(store, chain, chain);

        assertThat(pruner.round()).isEqualTo(TracePruner.BUDGET - 1); // reading the batch's commit time counts as one
        assertThat(due.stream().filter(store::has)).hasSize(6);
        assertThat(pruner.round()).isEqualTo(6);
        assertThat(due).noneMatch(store::has);
    }
}
