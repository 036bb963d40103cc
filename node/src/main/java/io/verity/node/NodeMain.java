package io.verity.node;

import java.io.IOException;
import io.verity.node.settle.ChainSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one node in this process until it is terminated:
 * {@code java -cp ... io.verity.node.NodeMain --home DIR [--port N] [--host H] [--deployment FILE [--rpc URL]
 * [--batch-size N] [--batch-age-ms MS]]}. With {@code --deployment} the node settles its receipts on that chain
 * as its own key ({@code VERITY_NODE_KEY} or {@code home/node.key}), which must hold ether to stake. Prints
 * {@code READY <url> <address>} on stdout once it serves, so a parent process can wait for that line.
 * The {@code verity node start} command is the user-facing way to do the same.
 */
public final class NodeMain {
    private NodeMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        NodeConfig config = NodeConfig.defaults(Path.of(System.getProperty("user.home"), ".verity"));
        ChainSettings chain = null;
        String rpc = null;
        int batchSize = ChainSettings.DEFAULT_BATCH_SIZE;
        Duration batchAge = ChainSettings.of(Path.of("x")).batchAge();
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--home" -> config = config.withHome(Path.of(require(args[i], v)));
                case "--port" -> config = config.withPort(Integer.parseInt(require(args[i], v)));
                case "--host" -> config = config.withHost(require(args[i], v));
                case "--deployment" -> chain = ChainSettings.of(Path.of(require(args[i], v)));
                case "--rpc" -> rpc = require(args[i], v);
                case "--batch-size" -> batchSize = Integer.parseInt(require(args[i], v));
                case "--batch-age-ms" -> batchAge = Duration.ofMillis(Long.parseLong(require(args[i], v)));
                default -> {
                    System.err.println("unknown argument " + args[i] + "; usage: NodeMain --home DIR [--port N] [--host H]"
                            + " [--deployment FILE [--rpc URL] [--batch-size N] [--batch-age-ms MS]]");
                    System.exit(2);
                }
            }
            i++;
        }
        if (chain != null) {
            chain = chain.withBatching(batchSize, batchAge);
            config = config.withChainSettings(rpc == null ? chain : chain.withRpcUrl(rpc));
        }
        runUntilTerminated(config);
    }

    /** Starts the node, prints the READY line, and blocks until the JVM is asked to shut down. */
    public static void runUntilTerminated(NodeConfig config) throws IOException, InterruptedException {
        InferenceNode node = InferenceNode.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "node-shutdown"));
        System.out.println("READY " + node.url() + " " + node.address());
        System.out.flush();
        stopped.await();
    }

    private static String require(String flag, String v) {
        if (v == null) {
            System.err.println(flag + " needs a value");
            System.exit(2);
        }
        return v;
    }
}
