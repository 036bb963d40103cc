package io.verity.protocol.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.Keccak256;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * The trace commitment moved here from the engine (and replaced chain's TraceReveal); the engine's
 * TraceCommitmentIT checks it against ethers and chain's DisputeGameIT against the contract. These check the
 * commitment's definition directly and the JSON form nodes serve.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TraceTreeTest {
    static List<Keccak256> digests(int n) {
        List<Keccak256> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(Keccak256.hash(new byte[] {(byte) i, 42}));
        return out;
    }

    static byte[] uint256(long v) {
        return ByteBuffer.allocate(32).putLong(24, v).array();
    }

    @Test
    void the_root_of_one_entry_is_the_documented_commitment() {
        Keccak256 d = digests(1).getFirst();
        Keccak256 chain = Keccak256.hash(Keccak256.ZERO.toArray(), d.toArray());
        Keccak256 leaf = Keccak256.hash(uint256(0), chain.toArray());
        assertThat(TraceTree.of(List.of(d)).root()).isEqualTo(Keccak256.hash(uint256(1), leaf.toArray()));
    }

    @Test
    void every_opening_leads_to_the_root_and_a_changed_digest_does_not() {
        for (int n = 1; n <= 9; n++) {
            TraceTree tree = TraceTree.of(digests(n));
            for (int i = 0; i < n; i++) {
                TraceProof p = tree.proof(i);
                assertThat(p.verifies(tree.root())).as("n=%d i=%d", n, i).isTrue();
                assertThat(p.chain()).isEqualTo(tree.chain(i));
                TraceProof forged = new TraceProof(i, n, p.previous(), Keccak256.hash(new byte[] {7}), p.siblings());
                assertThat(forged.verifies(tree.root())).as("forged n=%d i=%d", n, i).isFalse();
            }
        }
        assertThatThrownBy(() -> TraceTree.of(digests(3)).proof(3)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("trace index must be in [0, 2], got 3");
    }

    @Test
    void an_opening_reads_back_from_the_json_a_node_serves() {
        TraceProof p = TraceTree.of(digests(5)).proof(3);
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("index", p.index()).put("leafCount", p.leafCount()).put("name", "x").put("node", 2)
                .put("previous", p.previous().toHex()).put("digest", p.digest().toHex()).put("chain", p.chain().toHex());
        p.siblings().forEach(s -> json.withArray("siblings").add(s.toHex()));
        assertThat(TraceProof.fromJson(json)).isEqualTo(p);

        json.put("index", "3");
        assertThatThrownBy(() -> TraceProof.fromJson(json)).hasMessage("index must be an integer, got \"3\"");
        json.put("index", 3L + Integer.MAX_VALUE);
        assertThatThrownBy(() -> TraceProof.fromJson(json)).hasMessageStartingWith("index must be an integer");
        json.put("index", 3).remove("siblings");
        assertThatThrownBy(() -> TraceProof.fromJson(json)).hasMessage("siblings must have 3 entries for 5 leaves, got 0");
    }
}
