package io.verity.protocol.merkle;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.Keccak256;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MerkleBatchPropertyTest {

    @Property(tries = 200)
    void each_proof_verifies_its_own_id_and_no_other(@ForAll @IntRange(min = 1, max = 40) int size, @ForAll long seed) {
        List<Keccak256> ids = MerkleBatchTest.randomIds(new Random(seed), size);
        MerkleBatch batch = MerkleBatch.of(ids);
        for (int i = 0; i < size; i++) {
            List<Keccak256> proof = batch.proof(ids.get(i));
            assertThat(MerkleBatch.verify(batch.root(), ids.get(i), proof)).isTrue();
            assertThat(proof.size()).isLessThanOrEqualTo(32 - Integer.numberOfLeadingZeros(size));
            if (size > 1) assertThat(MerkleBatch.verify(batch.root(), ids.get((i + 1) % size), proof)).isFalse();
        }
    }
}
