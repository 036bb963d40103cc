package io.verity.node.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.engine.EngineKind;
import io.verity.engine.Inference;
import io.verity.engine.InferenceEngine;
import io.verity.engine.det.DeterministicEngine;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.Receipt;
import io.verity.testing.RealInputs;
import io.verity.testing.RealModel;
import io.verity.testing.RealModels;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EnginesTest {
    /** A node re-executes a receipt under the contract the receipt names: its own det engine's, or one made for it. */
    @Test
    void the_serving_engine_for_its_own_contract_another_for_the_other_and_none_for_an_unknown_id() {
        DeterministicEngine serving = DeterministicEngine.create(1, true, DeterministicEngine.ID_V3);
        Engines engines = new Engines(serving, 1, DeterministicEngine.ID_V3, DetTrace.ON_CHALLENGE, java.time.Duration.ZERO);
        try (engines) {
            assertThat(engines.deterministic("verity-det/3")).containsSame(serving);
            DeterministicEngine two = engines.deterministic("verity-det/2").orElseThrow();
            assertThat(two.id()).isEqualTo("verity-det/2");
            assertThat(engines.deterministic("verity-det/2")).as("made once").containsSame(two);
            assertThat(engines.deterministic("verity-det/1")).isEmpty();
            assertThat(engines.deterministic("onnxruntime/1.23.2/cpu")).isEmpty();
        }
        assertThatThrownBy(() -> engines.deterministic("verity-det/2")).hasMessage("engines are closed");
    }

    @Test
    void an_untraced_det_run_signs_the_trace_on_challenge_marker_and_a_traced_one_its_own_root() {
        try (InferenceEngine det = Engines.create(EngineKind.DET, 1, DeterministicEngine.ID_V3)) {
            assertThat(Engines.kindOf(det)).isEqualTo(EngineKind.DET);
            assertThat(((DeterministicEngine) det).id()).isEqualTo(DeterministicEngine.ID_V3);
            assertThat(Engines.signedTraceRoot(det, new Inference(List.of(), Keccak256.ZERO))).isEqualTo(Receipt.TRACE_ON_CHALLENGE);
            Keccak256 root = Keccak256.hash(new byte[] {1});
            assertThat(Engines.signedTraceRoot(det, new Inference(List.of(), root))).as("a traced (eager) run").isEqualTo(root);
        }
    }

    @Test
    void an_eager_det_engine_traces_every_run_so_its_receipts_sign_the_real_root_and_an_on_challenge_one_the_marker() {
        RealModel cls = RealModels.paddleOcrCls();
        List<io.verity.protocol.tensor.Tensor> inputs = RealInputs.paddleOcrCls("eager");
        try (InferenceEngine eager = Engines.create(EngineKind.DET, 1, DeterministicEngine.ID_V3, DetTrace.EAGER);
             InferenceEngine lazy = Engines.create(EngineKind.DET, 1, DeterministicEngine.ID_V3, DetTrace.ON_CHALLENGE)) {
            Inference traced = eager.load(cls.digest(), cls.file()).run(inputs);
            Inference untraced = lazy.load(cls.digest(), cls.file()).run(inputs);
            assertThat(io.verity.protocol.tensor.TensorDigests.tensorsDigest(traced.outputs()))
                    .isEqualTo(io.verity.protocol.tensor.TensorDigests.tensorsDigest(untraced.outputs()));
            assertThat(Engines.signedTraceRoot(eager, traced)).isNotIn(Keccak256.ZERO, Receipt.TRACE_ON_CHALLENGE)
                    .isEqualTo(((DeterministicEngine) eager).load(cls.digest(), cls.file()).trace(inputs).root());
            assertThat(Engines.signedTraceRoot(lazy, untraced)).isEqualTo(Receipt.TRACE_ON_CHALLENGE);
        }
    }
}
