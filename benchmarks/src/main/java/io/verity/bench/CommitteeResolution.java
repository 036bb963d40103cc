package io.verity.bench;

import io.verity.chain.ChainConnection;
import io.verity.chain.ChainEvent;
import io.verity.chain.contracts.CommitteeClient;
import io.verity.chain.contracts.CommitteeDispute;
import io.verity.chain.contracts.ComparisonRule;
import io.verity.chain.contracts.ModelRegistryClient;
import io.verity.chain.devnet.DeployParams;
import io.verity.chain.devnet.Devnet;
import io.verity.gateway.Gateway;
import io.verity.gateway.GatewayConfig;
import io.verity.node.InferenceNode;
import io.verity.node.Faults;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToLongFunction;

/**
 * Committee disputes' time to resolution on an interval-mining chain (issue 18). An anvil mining a block every
 * {@code block seconds}, four staked ONNX Runtime nodes serving Silero VAD under a tolerance rule and one gateway
 * with a client account, as {@code CommitteeFeedIT} has them: node 1 is the cheapest and perturbs every answer
 * ({@link Faults#perturb()}), so routing by price sends every request to it, and {@code sample:1.0} audits each
 * answer on another node. The gateway turns the audit mismatch into a committee dispute once the receipt is settled
 * ({@code CommitteeFeed}); the other nodes' committee duty draws, judges, commits, reveals and resolves. A watcher
 * polls the chain every 50 ms for CommitteeDisputes events and notes when each is first seen: per dispute, wall time
 * and blocks from {@code DisputeOpened} to {@code CommitteeDrawn}, to the last {@code VoteRevealed} and to
 * {@code Resolved}. Disputes run one after another: the next request is sent once the previous dispute resolved.
 *
 * <pre>java -cp 'benchmarks/target/lib/*:benchmarks/target/verity-benchmarks.jar' -Dverity.root=$PWD \
 *     io.verity.bench.CommitteeResolution [disputes, 3] [block seconds, 1]</pre>
 * Results: docs/benchmarks.md, "Committee disputes (issue 18)".
 */
public final class CommitteeResolution {
    private static final BigInteger PRICE = BigInteger.TEN.pow(12);
    private static final int LIAR = 1;
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration RESOLVE_TIMEOUT = Duration.ofMinutes(6); // drawDelay + commit + reveal windows at 1 s

    private CommitteeResolution() {}

    public static void main(String[] args) throws Exception {
        int disputes = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int blockSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        if (disputes < 1) throw new IllegalArgumentException("disputes must be >= 1, got " + disputes);
        if (blockSeconds < 1) throw new IllegalArgumentException("block seconds must be >= 1, got " + blockSeconds);
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        run(disputes, Duration.ofSeconds(blockSeconds), System.out);
    }

    /** One dispute as the watcher saw it: blocks and System.nanoTime() of its events (0 while not seen). */
    static final class Timeline {
        final long id;
        volatile long openBlock, openAt, drawBlock, drawAt, revealBlock, revealAt, resolveBlock, resolveAt;
        volatile int committee, reveals;
        volatile CommitteeDispute.State outcome;

        Timeline(long id) {
            this.id = id;
        }
    }

    /** What a run measured: the disputes in order, each resolved (or not, within the timeout). */
    record Result(List<Timeline> disputes) {}

    static Result run(int count, Duration blockTime, PrintStream out) throws Exception {
        out.printf("committee resolution: %d dispute(s) on anvil mining a block every %d s; 4 ONNX Runtime nodes"
                + " (Silero VAD, node %d lies), gateway sample:1.0%n", count, blockTime.toSeconds(), LIAR);
        Path dir = Files.createTempDirectory("verity-committee-resolution");
        List<Timeline> measured = new ArrayList<>();
        List<InferenceNode> nodes = new ArrayList<>();
        try (Devnet devnet = Devnet.builder().blockTime(blockTime).start();
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                ChainConnection chain = devnet.connect(0)) {
            Path deploymentFile = dir.resolve("deployment.json");
            devnet.deployment().write(deploymentFile);
            try {
                for (int i = 1; i <= 4; i++) {
                    boolean liar = i == LIAR;
                    nodes.add(SettlementLatency.startVadNode(dir.resolve("node" + i), deploymentFile, devnet, i, c -> {
                        var chainSettings = c.chain().orElseThrow().withBatching(1, Duration.ofMillis(100));
                        if (!liar) return c.withPrice(PRICE).withChainSettings(chainSettings);
                        // each conviction slashes half its stake: enough to stay staked and routable for many disputes
                        return c.withPrice(PRICE.divide(BigInteger.TEN)).withFaults(Faults.NONE.withPerturb(1.0))
                                .withChainSettings(chainSettings.withStake(DeployParams.ETHER.multiply(BigInteger.valueOf(1000))));
                    }));
                }
                try (Gateway gateway = Gateway.start(GatewayConfig.builder(dir.resolve("gateway"), deploymentFile)
                        .clientKey(devnet.account(5).privateKeyHex()).deposit(BigInteger.TEN.pow(18))
                        // by price alone, never quarantined: every request goes to the liar and is audited elsewhere
                        .routing("latency=0,price=1,reputation=0").quarantine(Duration.ZERO).build())) {
                    SettlementLatency.awaitHealthy(http, gateway, nodes.size());
                    measured.addAll(measure(count, http, gateway, chain, devnet, nodes.get(LIAR - 1).address(), out));
                }
            } finally {
                nodes.reversed().forEach(InferenceNode::close);
            }
        }
        report(out, measured, blockTime);
        return new Result(measured);
    }

    private static List<Timeline> measure(int count, HttpClient http, Gateway gateway, ChainConnection chain, Devnet devnet,
            EvmAddress liar, PrintStream out) throws Exception {
        List<Timeline> measured = new ArrayList<>();
        Keccak256 model = Keccak256.hash(Files.readAllBytes(SettlementLatency.vadFile()));
        new ModelRegistryClient(chain, devnet.deployment().modelRegistry())
                .register(model, "npm:@ricky0123/vad-web", "silero-vad", "5", ComparisonRule.Tolerance.of(1e-6, 1e-5)).confirmed();
        CommitteeClient disputes = new CommitteeClient(chain, devnet.deployment().requireCommitteeDisputes());
        Map<Long, Timeline> seen = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread watcher = Thread.ofPlatform().name("committee-watcher").start(() -> watch(chain, disputes, seen, stop));
        try {
            URI infer = gateway.url().resolve("/v1/infer");
            String body = GatewayLoad.vadBody("sample:1.0");
            for (int k = 0; k < count; k++) {
                long next = disputes.disputeCount();
                Timeline t = awaitOpened(http, infer, body, seen, next);
                long deadline = System.nanoTime() + RESOLVE_TIMEOUT.toNanos();
                while (t.resolveAt == 0 && System.nanoTime() < deadline) Thread.sleep(50);
                if (t.resolveAt != 0) t.outcome = disputes.dispute(t.id).state();
                measured.add(t);
                out.printf("dispute %d on %s: %s, open -> draw %.1f s, -> last reveal %.1f s, -> resolved %.1f s"
                        + " (%d, %d, %d blocks)%n", t.id, liar, t.outcome, seconds(t.drawAt - t.openAt),
                        seconds(t.revealAt - t.openAt), seconds(t.resolveAt - t.openAt), t.drawBlock - t.openBlock,
                        t.revealBlock - t.openBlock, t.resolveBlock - t.openBlock);
            }
        } finally {
            stop.set(true);
            watcher.join();
        }
        return measured;
    }

    /** Sends audited requests (a new one every 15 s without a dispute) until dispute {@code id} is opened. */
    private static Timeline awaitOpened(HttpClient http, URI infer, String body, Map<Long, Timeline> seen, long id)
            throws Exception {
        long deadline = System.nanoTime() + OPEN_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(infer).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new IllegalStateException("infer answered " + r.statusCode() + ": " + r.body());
            long wait = Math.min(deadline, System.nanoTime() + Duration.ofSeconds(15).toNanos());
            while (System.nanoTime() < wait) {
                Timeline t = seen.get(id);
                if (t != null && t.openAt != 0) return t;
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("no committee dispute " + id + " opened within " + OPEN_TIMEOUT);
    }

    /** Polls CommitteeDisputes' events up to the head every 50 ms; notes when each is first seen. */
    private static void watch(ChainConnection chain, CommitteeClient disputes, Map<Long, Timeline> seen, AtomicBoolean stop) {
        long[] from = {chain.blockNumber()};
        Polling.until(stop, 50, () -> {
            long head = chain.blockNumber();
            long now = System.nanoTime();
            if (head < from[0]) return;
            for (ChainEvent e : disputes.events(from[0])) {
                if (e.blockNumber() > head || !e.args().containsKey("disputeId")) continue;
                Timeline t = seen.computeIfAbsent(((BigInteger) e.arg("disputeId")).longValueExact(), Timeline::new);
                switch (e.name()) {
                    case "DisputeOpened" -> {
                        t.openBlock = e.blockNumber();
                        t.openAt = now;
                    }
                    case "CommitteeDrawn" -> {
                        t.committee = ((List<?>) e.arg("committee")).size();
                        t.drawBlock = e.blockNumber();
                        t.drawAt = now;
                    }
                    case "VoteRevealed" -> {
                        t.reveals++;
                        t.revealBlock = e.blockNumber();
                        t.revealAt = now;
                    }
                    case "Resolved" -> {
                        t.resolveBlock = e.blockNumber();
                        t.resolveAt = now;
                    }
                    default -> { }
                }
            }
            from[0] = head + 1;
        });
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static void report(PrintStream out, List<Timeline> all, Duration blockTime) {
        List<Timeline> done = all.stream().filter(t -> t.resolveAt != 0).toList();
        long slashed = done.stream().filter(t -> t.outcome == CommitteeDispute.State.CHALLENGER_WON).count();
        out.printf("%n%d of %d dispute(s) resolved, %d with the liar slashed; a block every %d s%n", done.size(), all.size(),
                slashed, blockTime.toSeconds());
        out.printf("%n| from open to | p50 s | max s | p50 blocks | max blocks |%n|---|---:|---:|---:|---:|%n");
        row(out, "draw", done, t -> t.drawAt - t.openAt, t -> t.drawBlock - t.openBlock);
        row(out, "last reveal", done, t -> t.revealAt - t.openAt, t -> t.revealBlock - t.openBlock);
        row(out, "resolved (slash)", done, t -> t.resolveAt - t.openAt, t -> t.resolveBlock - t.openBlock);
    }

    private static void row(PrintStream out, String phase, List<Timeline> done, ToLongFunction<Timeline> nanos,
            ToLongFunction<Timeline> blocks) {
        long[] n = done.stream().mapToLong(nanos).toArray();
        long[] b = done.stream().mapToLong(blocks).sorted().toArray();
        out.printf("| %s | %.1f | %.1f | %s | %s |%n", phase, Latencies.percentileMs(n, 0.5) / 1000,
                Latencies.percentileMs(n, 1.0) / 1000, b.length == 0 ? "-" : b[b.length / 2],
                b.length == 0 ? "-" : b[b.length - 1]);
    }
}
