package io.verity.node.dispute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.Keccak256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A committee member's sealed votes survive a restart (a new {@link SealedVotes} on the same file). */
class SealedVotesTest {
    @TempDir Path home;

    @Test
    void a_vote_sealed_before_a_restart_is_there_after_it_with_its_salt() throws Exception {
        Path file = home.resolve("committee-votes.json");
        Keccak256 salt = Keccak256.hash("salt".getBytes(StandardCharsets.UTF_8));
        SealedVotes before = SealedVotes.at(file);
        before.put(7, new SealedVotes.Sealed(false, salt));
        before.put(9, new SealedVotes.Sealed(true, Keccak256.hash(new byte[] {9})));

        SealedVotes after = SealedVotes.at(file);

        assertThat(after.get(7)).isEqualTo(new SealedVotes.Sealed(false, salt));
        assertThat(after.get(9).agrees()).isTrue();
        assertThat(after.get(8)).isNull();
        try (var files = Files.list(home)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no temp file left").containsExactly("committee-votes.json");
        }
    }

    @Test
    void a_finished_dispute_is_dropped_from_the_file() {
        Path file = home.resolve("committee-votes.json");
        SealedVotes votes = SealedVotes.at(file);
        votes.put(1, new SealedVotes.Sealed(true, Keccak256.hash(new byte[] {1})));
        votes.remove(1);

        assertThat(SealedVotes.at(file).get(1)).isNull();
    }

    @Test
    void no_file_yet_is_no_votes_and_a_damaged_file_is_refused_naming_it() throws Exception {
        assertThat(SealedVotes.at(home.resolve("absent.json")).get(1)).isNull();
        Path bad = Files.writeString(home.resolve("committee-votes.json"), "{\"votes\":[{\"dispute\":1,\"agrees\":true,\"salt\":\"0x12\"}]}");

        assertThatThrownBy(() -> SealedVotes.at(bad)).hasMessageContaining(bad.toString());
    }
}
