package io.verity.node.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.engine.EngineKind;
import io.verity.engine.Inference;
import io.verity.engine.InferenceEngine;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.Receipt;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EnginesTest {
    @Test
    void an_untraced_det_run_signs_the_trace_on_challenge_marker_and_a_traced_one_its_own_root() {
        try (InferenceEngine det = Engines.create(EngineKind.DET, 1)) {
            assertThat(Engines.kindOf(det)).isEqualTo(EngineKind.DET);
            assertThat(Engines.signedTraceRoot(det, new Inference(List.of(), Keccak256.ZERO))).isEqualTo(Receipt.TRACE_ON_CHALLENGE);
            Keccak256 root = Keccak256.hash(new byte[] {1});
            assertThat(Engines.signedTraceRoot(det, new Inference(List.of(), root))).as("a traced (eager) run").isEqualTo(root);
        }
    }
}
