package io.verity.chain;

import io.verity.protocol.Keccak256;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * OpenZeppelin StandardMerkleTree over ["bytes32"] leaves, for tests (the protocol module owns the real
 * one): leaf = keccak256(keccak256(abi.encode(id))), leaves sorted, tree stored as an array with the
 * leaves at the end in reverse order, pairs hashed sorted. Checked against @openzeppelin/merkle-tree in
 * the interop test.
 */
final class TestMerkle {
    private final Keccak256[] tree;
    private final List<Keccak256> sortedLeaves;

    TestMerkle(List<Keccak256> ids) {
        if (ids.isEmpty()) throw new IllegalArgumentException("ids must not be empty");
        List<Keccak256> leaves = new ArrayList<>(ids.stream().map(TestMerkle::leaf).toList());
        leaves.sort(null);
        sortedLeaves = List.copyOf(leaves);
        tree = new Keccak256[2 * leaves.size() - 1];
        for (int i = 0; i < leaves.size(); i++) tree[tree.length - 1 - i] = leaves.get(i);
        for (int i = tree.length - 1 - leaves.size(); i >= 0; i--) tree[i] = hashPair(tree[2 * i + 1], tree[2 * i + 2]);
    }

    static Keccak256 leaf(Keccak256 id) {
        return Keccak256.hash(Keccak256.hash(id.toArray()).toArray());
    }

    Keccak256 root() {
        return tree[0];
    }

    List<Keccak256> proof(Keccak256 id) {
        Keccak256 leaf = leaf(id);
        int i = tree.length - 1 - sortedLeaves.indexOf(leaf);
        if (i >= tree.length) throw new IllegalArgumentException(id + " is not in the tree");
        List<Keccak256> proof = new ArrayList<>();
        while (i > 0) {
            proof.add(tree[i % 2 == 1 ? i + 1 : i - 1]);
            i = (i - 1) / 2;
        }
        return proof;
    }

    private static Keccak256 hashPair(Keccak256 a, Keccak256 b) {
        return a.compareTo(b) <= 0 ? Keccak256.hash(a.toArray(), b.toArray()) : Keccak256.hash(b.toArray(), a.toArray());
    }

    @Override
    public String toString() {
        return "TestMerkle" + Arrays.toString(tree);
    }
}
