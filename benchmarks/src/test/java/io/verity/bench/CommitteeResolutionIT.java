package io.verity.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.contracts.CommitteeDispute;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Smoke run of {@link CommitteeResolution} for one dispute on a chain mining a block a second: the gateway's
 * committee dispute against the lying node is drawn, voted and resolved with the liar slashed, and the table prints.
 */
class CommitteeResolutionIT {
    @Test
    void one_dispute_on_an_interval_mining_chain_is_resolved_with_the_liar_slashed() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CommitteeResolution.Result r = CommitteeResolution.run(1, Duration.ofSeconds(1),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String report = bytes.toString(StandardCharsets.UTF_8);

        assertThat(r.disputes()).hasSize(1);
        CommitteeResolution.Timeline t = r.disputes().getFirst();
        assertThat(t.outcome).as(report).isEqualTo(CommitteeDispute.State.CHALLENGER_WON);
        assertThat(t.committee).isEqualTo(3);
        assertThat(t.reveals).isEqualTo(3);
        assertThat(t.resolveBlock).isGreaterThanOrEqualTo(t.revealBlock).isGreaterThan(t.drawBlock);
        assertThat(report).contains("1 of 1 dispute(s) resolved, 1 with the liar slashed")
                .contains("| from open to | p50 s | max s | p50 blocks | max blocks |");
    }
}
