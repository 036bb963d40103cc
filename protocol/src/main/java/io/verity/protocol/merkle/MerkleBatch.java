package io.verity.protocol.merkle;

import io.verity.protocol.Keccak256;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A batch of receipt ids under one Merkle root, built exactly as OpenZeppelin's
 * {@code StandardMerkleTree.of(ids.map(i => [i]), ["bytes32"])} builds it, so the root and proofs verify with
 * OpenZeppelin's {@code MerkleProof.verify} on chain:
 *
 * <ul>
 *   <li>leaf = keccak256(keccak256(abi.encode(id))), i.e. keccak256(keccak256(id)) for a bytes32;
 *   <li>leaves sorted ascending (unsigned), laid out as a complete binary tree in an array of 2n-1 nodes with
 *       leaf i at index 2n-2-i and node i's children at 2i+1 and 2i+2;
 *   <li>inner node = keccak256(min(a, b) ‖ max(a, b)).
 * </ul>
 *
 * Ids must be distinct: the same receipt twice in a batch is refused rather than silently settled once or
 * twice. Immutable and thread-safe.
 */
public final class MerkleBatch {
    private final List<Keccak256> ids; // as given
    private final byte[][] tree; // OpenZeppelin's array layout, tree[0] is the root
    private final Map<Keccak256, Integer> treeIndex;

    private MerkleBatch(List<Keccak256> ids, byte[][] tree, Map<Keccak256, Integer> treeIndex) {
        this.ids = ids;
        this.tree = tree;
        this.treeIndex = treeIndex;
    }

    /**
     * @throws IllegalArgumentException when {@code ids} is empty or holds an id twice (naming it and both
     *     positions)
     */
    public static MerkleBatch of(List<Keccak256> ids) {
        List<Keccak256> copy = List.copyOf(ids);
        if (copy.isEmpty()) throw new IllegalArgumentException("a batch needs at least one receipt id, got none");
        Map<Keccak256, Integer> position = new HashMap<>();
        for (int i = 0; i < copy.size(); i++) {
            Integer earlier = position.putIfAbsent(copy.get(i), i);
            if (earlier != null) {
                throw new IllegalArgumentException("receipt ids in a batch must be distinct: " + copy.get(i)
                        + " is at positions " + earlier + " and " + i);
            }
        }
        int n = copy.size();
        record Leaf(Keccak256 id, byte[] hash) {}
        List<Leaf> leaves = new ArrayList<>(n);
        for (Keccak256 id : copy) leaves.add(new Leaf(id, leafHash(id).toArray()));
        leaves.sort((a, b) -> Arrays.compareUnsigned(a.hash(), b.hash()));
        byte[][] tree = new byte[2 * n - 1][];
        Map<Keccak256, Integer> treeIndex = new HashMap<>();
        for (int i = 0; i < n; i++) {
            int at = tree.length - 1 - i;
            tree[at] = leaves.get(i).hash();
            treeIndex.put(leaves.get(i).id(), at);
        }
        for (int i = tree.length - 1 - n; i >= 0; i--) tree[i] = hashPair(tree[2 * i + 1], tree[2 * i + 2]);
        return new MerkleBatch(copy, tree, treeIndex);
    }

    /** keccak256(keccak256(abi.encode(id))): OpenZeppelin's standard leaf for the encoding ["bytes32"]. */
    public static Keccak256 leafHash(Keccak256 id) {
        return Keccak256.hash(Keccak256.hash(id.toArray()).toArray());
    }

    public Keccak256 root() {
        return Keccak256.wrap(tree[0]);
    }

    /** The ids in the order given to {@link #of}. */
    public List<Keccak256> ids() {
        return ids;
    }

    public int size() {
        return ids.size();
    }

    public boolean contains(Keccak256 id) {
        return treeIndex.containsKey(id);
    }

    /**
     * The sibling hashes from {@code id}'s leaf up to the root (empty for a batch of one), as OpenZeppelin's
     * {@code getProof} returns them.
     *
     * @throws IllegalArgumentException when {@code id} is not in this batch
     */
    public List<Keccak256> proof(Keccak256 id) {
        Integer at = treeIndex.get(id);
        if (at == null) throw new IllegalArgumentException("receipt id " + id + " is not in this batch of " + size());
        List<Keccak256> proof = new ArrayList<>();
        for (int i = at; i > 0; i = (i - 1) / 2) proof.add(Keccak256.wrap(tree[i % 2 == 1 ? i + 1 : i - 1]));
        return List.copyOf(proof);
    }

    /** True when {@code proof} leads from {@code id}'s leaf to {@code root} (OpenZeppelin's MerkleProof.verify). */
    public static boolean verify(Keccak256 root, Keccak256 id, List<Keccak256> proof) {
        byte[] node = leafHash(id).toArray();
        for (Keccak256 sibling : proof) node = hashPair(node, sibling.toArray());
        return Arrays.equals(node, root.toArray());
    }

    private static byte[] hashPair(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b) <= 0 ? Keccak256.hash(a, b).toArray() : Keccak256.hash(b, a).toArray();
    }

    @Override
    public String toString() {
        return "MerkleBatch[" + size() + " ids, root " + root() + "]";
    }
}
