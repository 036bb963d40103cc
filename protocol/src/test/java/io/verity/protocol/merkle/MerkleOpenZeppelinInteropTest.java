package io.verity.protocol.merkle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.verity.protocol.Keccak256;
import io.verity.protocol.NodeScripts;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** Runs @openzeppelin/merkle-tree (protocol/src/test/js/merkle-check.mjs) on fresh random batches. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MerkleOpenZeppelinInteropTest {
    static final long SEED = 0x5eed_3e4c1eL;

    @Test
    void openzeppelin_standard_merkle_tree_gives_the_same_roots_and_proofs() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        Random r = new Random(SEED);
        List<List<Keccak256>> batches = new ArrayList<>();
        ArrayNode request = mapper.createArrayNode();
        for (int size : new int[] {1, 2, 3, 7, 16, 100}) {
            List<Keccak256> ids = MerkleBatchTest.randomIds(r, size);
            batches.add(ids);
            ArrayNode a = request.addArray();
            ids.forEach(id -> a.add(id.toHex()));
        }
        JsonNode answer = mapper.readTree(NodeScripts.run("merkle-check.mjs", request.toString()));
        assertThat(answer.size()).isEqualTo(batches.size());
        for (int b = 0; b < batches.size(); b++) {
            List<Keccak256> ids = batches.get(b);
            MerkleBatch batch = MerkleBatch.of(ids);
            assertThat(batch.root()).as("root of %d ids (seed %d)", ids.size(), SEED)
                    .isEqualTo(Keccak256.parse(answer.get(b).get("root").asText()));
            for (int i = 0; i < ids.size(); i++) {
                assertThat(batch.proof(ids.get(i))).as("proof %d of %d", i, ids.size())
                        .isEqualTo(MerkleBatchTest.parse(answer.get(b).get("proofs").get(i)));
            }
        }
    }
}
