package io.verity.chain;

import io.verity.protocol.Keccak256;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The verity-det/1 trace commitment over given entry digests (the engine's ExecutionTrace, restated so chain
 * tests need no engine): chain values, the positional Merkle tree, the root and openings.
 */
final class TestTrace {
    final List<Keccak256> digests;
    final Keccak256[] chain;
    private final List<Keccak256[]> levels = new ArrayList<>();
    final Keccak256 root;

    TestTrace(List<Keccak256> digests) {
        this.digests = List.copyOf(digests);
        int n = digests.size();
        chain = new Keccak256[n];
        for (int i = 0; i < n; i++) chain[i] = Keccak256.hash((i == 0 ? Keccak256.ZERO : chain[i - 1]).toArray(), digests.get(i).toArray());
        int width = 1;
        while (width < n) width <<= 1;
        Keccak256[] level = new Keccak256[width];
        for (int i = 0; i < width; i++) level[i] = i < n ? Keccak256.hash(uint256(i), chain[i].toArray()) : Keccak256.ZERO;
        levels.add(level);
        while (level.length > 1) {
            Keccak256[] up = new Keccak256[level.length / 2];
            for (int i = 0; i < up.length; i++) up[i] = Keccak256.hash(level[2 * i].toArray(), level[2 * i + 1].toArray());
            levels.add(up);
            level = up;
        }
        root = Keccak256.hash(uint256(n), level[0].toArray());
    }

    /** n pseudo-random digests from a seed. */
    static TestTrace random(int n, long seed) {
        TestReceipts r = new TestReceipts(seed);
        List<Keccak256> d = new ArrayList<>();
        for (int i = 0; i < n; i++) d.add(r.randomBytes32());
        return new TestTrace(d);
    }

    /** This trace with every entry from {@code from} on replaced (a node that went wrong at that operator). */
    TestTrace divergingAt(int from, long seed) {
        TestReceipts r = new TestReceipts(seed);
        List<Keccak256> d = new ArrayList<>(digests);
        for (int i = from; i < d.size(); i++) d.set(i, r.randomBytes32());
        return new TestTrace(d);
    }

    int size() {
        return digests.size();
    }

    TraceReveal open(long index) {
        int i = Math.toIntExact(index);
        List<Keccak256> sib = new ArrayList<>();
        for (int l = 0, k = i; l < levels.size() - 1; l++, k >>= 1) sib.add(levels.get(l)[k ^ 1]);
        return new TraceReveal(i, size(), i == 0 ? Keccak256.ZERO : chain[i - 1], digests.get(i), sib);
    }

    private static byte[] uint256(long v) {
        return ByteBuffer.allocate(32).putLong(24, v).array();
    }
}
