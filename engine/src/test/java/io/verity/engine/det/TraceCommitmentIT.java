package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.Keccak256;
import io.verity.testing.TestPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;

/**
 * The trace root matches an independent implementation written with ethers v6 (abi.encode + keccak256, as
 * Solidity will check it), for trace lengths that do and do not fill a power of two.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class TraceCommitmentIT {
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 5, 8, 13})
    void trace_root_equals_the_ethers_computation(int n) throws Exception {
        List<TraceEntry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) entries.add(new TraceEntry(i, "t" + i, i - 1, Keccak256.hash(("entry " + i).getBytes(StandardCharsets.UTF_8))));
        ExecutionTrace t = new ExecutionTrace(List.of(), entries);
        Path script = Files.createTempFile("verity-trace-root", ".js");
        try (var in = TraceCommitmentIT.class.getResourceAsStream("/tracecommit/root.js")) {
            Files.write(script, in.readAllBytes());
        }
        List<String> cmd = new ArrayList<>(List.of("node", script.toString()));
        for (TraceEntry e : entries) cmd.add(e.digest().toHex());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("NODE_PATH", TestPaths.nodeModules().toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor()).as("node said: %s", out).isZero();
        Files.delete(script);
        assertThat(t.root().toHex()).isEqualTo(out);
        for (int i = 0; i < n; i++) assertThat(t.proof(i).verifies(t.root())).isTrue();
    }
}
