package io.verity.bench;

import com.sun.management.OperatingSystemMXBean;
import io.javalin.Javalin;
import io.verity.client.NodeApiClient;
import io.verity.client.NodeConnections;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The gateway's outbound hop alone: process CPU per {@code POST} of {@link NodeApiClient#postRawAsync} over the JDK
 * client vs over {@link NodeConnections} (Jetty's), against one Javalin server in the same JVM answering fixed bytes
 * of a node answer's size. Both clients alternate in rounds, so the machine's other load falls on both alike; the
 * server's share is the same on both sides, so the difference is the clients'.
 *
 * <pre>java -cp ... io.verity.bench.NodeClientCpu [requests per round, default 16000] [concurrency, default 8]</pre>
 */
public final class NodeClientCpu {
    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private NodeClientCpu() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 16_000;
        int c = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        byte[] answer = new byte[3_000]; // a Silero VAD answer with its receipt: ~3 kB
        Arrays.fill(answer, (byte) ' ');
        byte[] request = new byte[6_000]; // its request as the gateway forwards it: ~6 kB
        Arrays.fill(request, (byte) ' ');
        Map<String, String> headers = Map.of("Verity-Payer", "0x" + "ab".repeat(20), "Verity-Payer-Auth", "1." + "cd".repeat(80));
        Javalin server = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            cfg.routes.post("/v1/infer", ctx -> {
                ctx.bodyAsBytes(); // read as a node does; unread, Jetty closes the connection
                ctx.contentType("application/json").result(answer);
            });
        }).start("127.0.0.1", 0);
        URI base = URI.create("http://127.0.0.1:" + server.port());
        ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor();
        try (NodeConnections connections = NodeConnections.start(Duration.ofSeconds(2), 64);
                HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(virtual).build()) {
            NodeApiClient viaJdk = NodeApiClient.of(base, Duration.ofSeconds(10), jdk); // as the gateway built it before
            NodeApiClient viaJetty = NodeApiClient.of(base, Duration.ofSeconds(10), jdk, connections);
            System.out.printf("node client CPU: %d POSTs per round at c=%d, load average %.2f%n", n, c, OS.getSystemLoadAverage());
            double[] sum = new double[2];
            int measured = 0;
            for (int round = 0; round < 10; round++) {
                List<NodeApiClient> order = round % 2 == 0 ? List.of(viaJdk, viaJetty) : List.of(viaJetty, viaJdk);
                for (NodeApiClient client : order) {
                    int which = client == viaJdk ? 0 : 1;
                    long cpu0 = OS.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    List<Future<?>> workers = new ArrayList<>();
                    for (int w = 0; w < c; w++) {
                        workers.add(virtual.submit(() -> {
                            for (int i = 0; i < n / c; i++) {
                                if (client.postRawAsync("/v1/infer", request, headers).join().status() != 200) {
                                    throw new IllegalStateException("not a 200");
                                }
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : workers) f.get();
                    double us = (OS.getProcessCpuTime() - cpu0) / 1e3 / n;
                    double rps = n / ((System.nanoTime() - t0) / 1e9);
                    if (round >= 4) sum[which] += us; // the first rounds warm the JIT
                    System.out.printf("round %d %-5s %7.1f µs CPU per POST (client and server) %8.0f req/s%n", round,
                            which == 0 ? "jdk" : "jetty", us, rps);
                }
                if (round >= 4) measured++;
            }
            System.out.printf("%nmean of the last %d rounds: jdk %.1f µs, jetty %.1f µs per POST (client and server)%n", measured,
                    sum[0] / measured, sum[1] / measured);
        } finally {
            server.stop();
            virtual.close();
        }
    }
}
