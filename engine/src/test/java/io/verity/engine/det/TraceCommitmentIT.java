package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.Keccak256;
import io.verity.testing.TestPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;

/**
 * The trace root matches an independent implementation written with ethers v6 (abi.encode + keccak256, as
 * Solidity will check it), for trace lengths that do and do not fill a power of two; and the last entry of a
 * real model's trace is the protocol's tensorsDigest of its outputs, also recomputed with ethers.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class TraceCommitmentIT {
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 5, 8, 13})
    void trace_root_equals_the_ethers_computation(int n) throws Exception {
        List<TraceEntry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) entries.add(new TraceEntry(i, "t" + i, i - 1, Keccak256.hash(("entry " + i).getBytes(StandardCharsets.UTF_8))));
        ExecutionTrace t = new ExecutionTrace(List.of(), entries);
        List<String> args = new ArrayList<>();
        for (TraceEntry e : entries) args.add(e.digest().toHex());
        assertThat(t.root().toHex()).isEqualTo(node("root.js", args));
        for (int i = 0; i < n; i++) assertThat(t.proof(i).verifies(t.root())).isTrue();
    }

    @Test
    void the_last_entry_of_a_real_trace_is_the_ethers_tensors_digest_of_the_graph_outputs() throws Exception {
        RealModels.Case c = RealModels.all(1).stream().filter(k -> k.name().equals("PaddleOCR cls v2")).findFirst().orElseThrow();
        try (DeterministicEngine e = DeterministicEngine.create(1, true)) {
            DeterministicModel m = e.load(c.digest(), c.file());
            ExecutionTrace t = m.trace(RealModels.bind(m, c.inputs()));
            List<String> args = new ArrayList<>();
            for (String name : m.outputsEntryInputs()) {
                TraceEntry out = t.entries().stream().filter(x -> x.name().equals(name)).reduce((a, b) -> b).orElseThrow();
                args.add(name + "=" + out.digest().toHex());
            }
            TraceEntry last = t.entries().getLast();
            assertThat(last.isOutputs()).isTrue();
            assertThat(last.digest().toHex()).isEqualTo(node("outputs.js", args));
            assertThat(last.digest()).isEqualTo(io.verity.protocol.tensor.TensorDigests.tensorsDigest(t.outputs()));
        }
    }

    /** Runs a tracecommit/ script under Node.js with the project's ethers; returns what it printed. */
    static String node(String resource, List<String> args) throws Exception {
        Path script = Files.createTempFile("verity-trace", ".js");
        try (var in = TraceCommitmentIT.class.getResourceAsStream("/tracecommit/" + resource)) {
            Files.write(script, in.readAllBytes());
        }
        List<String> cmd = new ArrayList<>(List.of("node", script.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("NODE_PATH", TestPaths.nodeModules().toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor()).as("node said: %s", out).isZero();
        Files.delete(script);
        return out;
    }
}
