package io.verity.testing;

/** Fault injection from outside a process, as the language-model worker tests kill llama.cpp's worker. */
public final class Processes {
    private Processes() {}

    /** SIGKILL (no shutdown hook runs), and wait until it is dead; a process already gone is left as it is. */
    public static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(p -> {
            p.destroyForcibly();
            p.onExit().join();
        });
    }
}
