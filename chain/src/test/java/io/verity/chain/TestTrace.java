package io.verity.chain;

import io.verity.protocol.Keccak256;
import io.verity.protocol.merkle.TraceProof;
import io.verity.protocol.merkle.TraceTree;
import java.util.ArrayList;
import java.util.List;

/**
 * A verity-det trace commitment over chosen entry digests (the protocol's {@link TraceTree}, which the engine
 * builds too), with helpers to make honest and diverging traces for dispute games.
 */
final class TestTrace {
    final List<Keccak256> digests;
    final Keccak256[] chain;
    final Keccak256 root;
    private final TraceTree tree;

    TestTrace(List<Keccak256> digests) {
        this.digests = List.copyOf(digests);
        this.tree = TraceTree.of(digests);
        this.chain = new Keccak256[digests.size()];
        for (int i = 0; i < chain.length; i++) chain[i] = tree.chain(i);
        this.root = tree.root();
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

    TraceProof open(long index) {
        return tree.proof(Math.toIntExact(index));
    }
}
