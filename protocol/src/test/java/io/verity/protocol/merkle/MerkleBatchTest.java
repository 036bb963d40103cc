package io.verity.protocol.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.Golden;
import io.verity.protocol.Keccak256;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MerkleBatchTest {

    @Test
    void matches_the_openzeppelin_roots_leaves_and_proofs_in_the_golden_vectors() {
        JsonNode batches = Golden.load("merkle/vectors.json").get("batches");
        assertThat(batches.size()).isGreaterThanOrEqualTo(10);
        for (JsonNode b : batches) {
            List<Keccak256> ids = parse(b.get("ids"));
            MerkleBatch batch = MerkleBatch.of(ids);
            Keccak256 root = Keccak256.parse(b.get("root").asText());
            assertThat(batch.root()).as("root of %d ids", ids.size()).isEqualTo(root);
            for (int i = 0; i < ids.size(); i++) {
                assertThat(MerkleBatch.leafHash(ids.get(i))).isEqualTo(Keccak256.parse(b.get("leafHashes").get(i).asText()));
                List<Keccak256> proof = parse(b.get("proofs").get(i));
                assertThat(batch.proof(ids.get(i))).as("proof of id %d of %d", i, ids.size()).isEqualTo(proof);
                assertThat(MerkleBatch.verify(root, ids.get(i), proof)).isTrue();
            }
        }
    }

    @Test
    void a_batch_of_one_has_the_leaf_as_root_and_an_empty_proof() {
        Keccak256 id = Keccak256.hash("only".getBytes());
        MerkleBatch batch = MerkleBatch.of(List.of(id));
        assertThat(batch.root()).isEqualTo(Keccak256.hash(Keccak256.hash(id.toArray()).toArray()));
        assertThat(batch.proof(id)).isEmpty();
        assertThat(MerkleBatch.verify(batch.root(), id, List.of())).isTrue();
    }

    @Test
    void the_root_does_not_depend_on_the_order_of_ids() {
        List<Keccak256> ids = randomIds(new Random(1), 13);
        List<Keccak256> reversed = new ArrayList<>(ids.reversed());
        assertThat(MerkleBatch.of(reversed).root()).isEqualTo(MerkleBatch.of(ids).root());
        assertThat(MerkleBatch.of(reversed).ids()).isEqualTo(reversed);
    }

    @Test
    void a_proof_does_not_verify_another_id_or_another_root() {
        List<Keccak256> ids = randomIds(new Random(2), 9);
        MerkleBatch batch = MerkleBatch.of(ids);
        List<Keccak256> proof = batch.proof(ids.get(3));
        assertThat(MerkleBatch.verify(batch.root(), ids.get(4), proof)).isFalse();
        assertThat(MerkleBatch.verify(MerkleBatch.of(ids.subList(0, 8)).root(), ids.get(3), proof)).isFalse();
        List<Keccak256> truncated = proof.subList(0, proof.size() - 1);
        assertThat(MerkleBatch.verify(batch.root(), ids.get(3), truncated)).isFalse();
    }

    @Test
    void every_proof_in_batches_of_many_sizes_verifies() {
        Random r = new Random(3);
        for (int n = 1; n <= 70; n++) {
            List<Keccak256> ids = randomIds(r, n);
            MerkleBatch batch = MerkleBatch.of(ids);
            for (Keccak256 id : ids) assertThat(MerkleBatch.verify(batch.root(), id, batch.proof(id))).isTrue();
        }
    }

    @Test
    void refuses_an_empty_batch() {
        assertThatThrownBy(() -> MerkleBatch.of(List.of()))
                .hasMessage("a batch needs at least one receipt id, got none");
    }

    @Test
    void refuses_the_same_id_twice_naming_it_and_both_positions() {
        List<Keccak256> ids = randomIds(new Random(4), 5);
        List<Keccak256> dup = new ArrayList<>(ids);
        dup.add(ids.get(1));
        assertThatThrownBy(() -> MerkleBatch.of(dup)).hasMessage(
                "receipt ids in a batch must be distinct: " + ids.get(1) + " is at positions 1 and 5");
    }

    @Test
    void refuses_a_proof_for_an_id_not_in_the_batch() {
        MerkleBatch batch = MerkleBatch.of(randomIds(new Random(5), 3));
        Keccak256 stranger = Keccak256.ZERO;
        assertThat(batch.contains(stranger)).isFalse();
        assertThatThrownBy(() -> batch.proof(stranger))
                .hasMessage("receipt id " + stranger + " is not in this batch of 3");
    }

    static List<Keccak256> randomIds(Random r, int n) {
        List<Keccak256> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[32];
            r.nextBytes(b);
            ids.add(Keccak256.wrap(b));
        }
        return ids;
    }

    static List<Keccak256> parse(JsonNode array) {
        List<Keccak256> out = new ArrayList<>();
        for (JsonNode n : array) out.add(Keccak256.parse(n.asText()));
        return out;
    }
}
