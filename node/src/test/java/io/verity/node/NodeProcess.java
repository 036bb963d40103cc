package io.verity.node;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.wire.ReadyLine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A {@link NodeMain} in a child JVM (for tests that kill -9 and restart it), returned once it printed its READY line. */
record NodeProcess(Process process, ReadyLine ready) {
    URI url() {
        return ready.url();
    }

    EvmAddress address() {
        return ready.address().orElseThrow(() -> new IllegalStateException("the node printed no address: " + ready));
    }

    /** @param env extra environment (the node key) */
    static NodeProcess start(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), NodeMain.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null; ) {
            var ready = ReadyLine.parse(line);
            if (ready.isPresent()) return new NodeProcess(p, ready.get());
        }
        throw new IllegalStateException("node process exited with " + p.waitFor() + " before it was ready");
    }
}
