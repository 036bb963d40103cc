package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.engine.EngineException;
import io.verity.engine.RunStop;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RunStop}: what a node's time limit relies on. A stopped run ends as STOPPED (not as a failure or the
 * inputs' fault, which the node would answer differently), the same model runs again afterwards, and an engine's
 * stop hook never runs once its run ended. The stop of a long run in flight: node's {@code RunTimeLimitIT}.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class StoppedRunsTest {
    @TempDir Path dir;

    @Test
    void a_stopped_run_ends_as_stopped_and_the_model_runs_again() throws Exception {
        OnnxBuilder b = new OnnxBuilder().input("x", 1, 1, 3).output("y", 1);
        b.add(b.node("Relu", new String[] {"x"}, new String[] {"y"}));
        OnnxBuilder.Written w = b.write(dir);
        try (DeterministicEngine e = DeterministicEngine.create(1, false)) {
            DeterministicModel m = e.load(w.digest(), w.file());
            List<Tensor> in = List.of(Tensor.ofFloats("x", Shape.of(1, 3), new float[] {-1, 0, 2}));
            RunStop stop = new RunStop();
            stop.stop();

            assertThatThrownBy(() -> m.run(in, stop)).isInstanceOfSatisfying(EngineException.class,
                    x -> assertThat(x.kind()).isEqualTo(EngineException.Kind.STOPPED));
            assertThat(m.run(in, new RunStop()).outputs().get(0).floats()).containsExactly(0, 0, 2);
        }
    }

    @Test
    void a_hook_runs_once_at_the_stop_or_at_once_when_already_stopped_and_never_after_it_is_closed() {
        AtomicInteger calls = new AtomicInteger();
        RunStop stop = new RunStop();
        try (RunStop.Registration r = stop.whileRunning(calls::incrementAndGet)) {
            stop.stop();
            stop.stop(); // idempotent
        }
        assertThat(calls).hasValue(1);
        stop.whileRunning(calls::incrementAndGet).close();
        assertThat(calls).as("registered on a stopped run: runs at once").hasValue(2);

        RunStop later = new RunStop();
        later.whileRunning(calls::incrementAndGet).close();
        later.stop();
        assertThat(calls).as("its run had ended").hasValue(2);
        assertThat(later.stopped()).isTrue();
    }

    @Test
    void never_cannot_be_stopped_and_keeps_no_hook() {
        RunStop.NEVER.whileRunning(() -> { throw new AssertionError("never runs"); }).close();
        assertThatThrownBy(RunStop.NEVER::stop).isInstanceOf(IllegalStateException.class);
        RunStop.NEVER.check();
        assertThat(RunStop.NEVER.stopped()).isFalse();
    }
}
