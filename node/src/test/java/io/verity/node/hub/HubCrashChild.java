package io.verity.node.hub;

import java.nio.file.Path;
import java.time.Clock;

/**
 * Run in a child JVM by {@link ModelHubTest}: adds a model and stops dead once the staging area holds the
 * file and its manifest (announcing "STAGED" on stdout), so the parent can kill it mid-add.
 */
public final class HubCrashChild {
    public static void main(String[] args) throws Exception {
        ModelHub hub = new ModelHub(Path.of(args[0]), Clock.systemUTC(), step -> {
            if (step == ModelHub.Step.MANIFEST_WRITTEN) {
                System.out.println("STAGED");
                System.out.flush();
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        hub.add(Path.of(args[1]), "victim", "1", null, null);
        System.out.println("ADDED"); // never reached while the hook blocks
    }
}
