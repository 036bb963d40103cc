package io.verity.cli.verify;

import ai.onnx.proto.OnnxMl;
import io.verity.chain.ChainAccount;
import io.verity.chain.ChainConnection;
import io.verity.chain.ChainEvent;
import io.verity.chain.ChainException;
import io.verity.chain.ChainLog;
import io.verity.chain.ContractRevertedException;
import io.verity.chain.devnet.DeployParams;
import io.verity.chain.Deployment;
import io.verity.chain.devnet.Devnet;
import io.verity.chain.contracts.Dispute;
import io.verity.chain.contracts.DisputeClient;
import io.verity.chain.contracts.NodeInfo;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.TxOutcome;
import io.verity.cli.HomeOption;
import io.verity.cli.Homes;
import io.verity.cli.Main;
import io.verity.cli.up.DemoModels;
import io.verity.cli.up.NetworkFile;
import io.verity.cli.up.UpCommand;
import io.verity.client.NodeApiClient;
import io.verity.engine.EngineKind;
import io.verity.engine.det.DeterministicEngine;
import io.verity.engine.det.DeterministicEngines;
import io.verity.engine.det.DeterministicModel;
import io.verity.node.Faults;
import io.verity.node.InferenceNode;
import io.verity.node.NodeConfig;
import io.verity.node.dispute.Challenger;
import io.verity.node.dispute.TraceClient;
import io.verity.node.dispute.TraceLayout;
import io.verity.node.hub.Manifest;
import io.verity.node.hub.ModelHub;
import io.verity.node.serve.Engines;
import io.verity.node.settle.ChainSettings;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "dispute", mixinStandardHelpOptions = true,
        description = "On-chain disputes of deterministic-engine receipts (docs/deterministic-engine.md, \"Disputes\").",
        subcommands = {DisputeCommand.Demo.class})
public final class DisputeCommand {

    /**
     * A dishonest verity-det/2 node challenged, bisected and slashed. On the chain of a running {@code verity up}
     * network when there is one (so its explorer shows the slash), else on a fresh anvil of its own: four det
     * nodes of the demo serving PaddleOCR det, node 1 computing with one weight tampered; an honest challenger
     * re-runs node 1's answer, challenges the settled receipt, bisects, the other three (the committee)
     * re-execute the disputed operator, node 1 is slashed, and the demo's nodes leave the registry.
     */
    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = {"Challenge, bisect and slash a dishonest det-engine node: on the chain of the running `verity up`",
                    "network (its explorer shows the slash), else on a local chain of its own (~10 s).",
                    "Exit codes: 0 the node was slashed, 1 it was not (or an account lacks funds), 2 usage, 3 no chain to join."})
    static final class Demo implements Callable<Integer> {
        static final int NODES = 4;
        static final int CHALLENGER = 6;
        /**
         * anvil's well-known dev keys 5..9 (mnemonic "test test ... junk"), which {@code verity up} leaves unused
         * (0 deployed, 1..3 are its nodes, 4 its gateway's client): the demo's dishonest node, its three referees
         * and its challenger, so none of their transactions races a nonce of the running network. The keys are
         * fixed here because the network's Devnet, which read them from anvil, lives in the supervisor's process.
         */
        static final List<String> UP_DEMO_KEYS = List.of(
                "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
                "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
                "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
                "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
                "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6");
        static final int FIRST_UP_DEMO_ACCOUNT = 5;
        /** What a transaction or two may cost on anvil, with a wide margin; checked before anything is sent. */
        static final BigInteger GAS_MARGIN = DeployParams.ETHER.divide(BigInteger.valueOf(20));
        /** Metadata key that makes the demo's copy of PaddleOCR det a model of its own (see {@link #demoModel}). */
        static final String DEMO_TAG = "verity.dispute-demo";
        static final String DEMO_MODEL = "dispute-demo-det";
        static final String LOCK = "dispute-demo.lock";

        @picocli.CommandLine.Mixin
        HomeOption home = new HomeOption(); // the `verity up` network to join

        @Option(names = "--own-chain", description = "always start a local chain of its own, even when `verity up` runs")
        boolean ownChain;

        @Option(names = "--up", description = "require the running `verity up` network (an error when none runs)")
        boolean requireUp;

        @Option(names = "--dir", description = "Where the demo keeps its node homes (and its own chain); default HOME/dispute-demo"
                + " on the network's chain, else a new temp dir.")
        Path dir;

        @Option(names = "--size", defaultValue = "64", description = "Input image side in pixels, a multiple of 32 (default 64).")
        int size;

        /**
         * Where the demo plays: the deployment (with the RPC to use), the demo's accounts, and the explorer that
         * indexes that chain, if one runs.
         */
        record Arena(Deployment deployment, ChainAccount cheat, List<ChainAccount> referees, ChainAccount challenger,
                     Optional<URI> explorer) {
            List<ChainAccount> nodes() {
                List<ChainAccount> all = new ArrayList<>();
                all.add(cheat);
                all.addAll(referees);
                return all;
            }
        }

        @Override
        public Integer call() throws Exception {
            if (size < 32 || size % 32 != 0) throw new IllegalArgumentException("--size must be a positive multiple of 32, got " + size);
            if (ownChain && requireUp) throw new IllegalArgumentException("--own-chain and --up exclude each other");
            if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
                System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"); // nodes run in this JVM: keep it readable
            }
            Path h = home.dir();
            Optional<NetworkFile> running = ownChain ? Optional.empty() : NetworkFile.read(h).filter(NetworkFile::anyAlive);
            if (running.isEmpty()) {
                if (requireUp) {
                    System.err.println("verity: no `verity up` network is running in " + h + "; start one with `./verity up --detach"
                            + UpCommand.homeArg(h) + "` (or drop --up to use a chain of the demo's own)");
                    return Main.UNREACHABLE;
                }
                if (!ownChain) System.out.println("no `verity up` network runs in " + h + ": using a local chain of the demo's own");
                return ownChain();
            }
            return joined(h, running.get());
        }

        private int ownChain() throws Exception {
            Path d = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("verity-dispute-demo");
            try (Devnet devnet = Devnet.builder().stateDir(d.resolve("chain")).start()) {
                Deployment deployment = devnet.deployment();
                System.out.println("local chain " + devnet.rpcUrl() + " (chain " + deployment.chainId() + "), DisputeGame "
                        + deployment.disputeGame());
                List<ChainAccount> referees = List.of(devnet.account(2), devnet.account(3), devnet.account(4));
                return play(new Arena(deployment, devnet.account(1), referees, devnet.account(CHALLENGER), Optional.empty()),
                        d, paddleDet(), DemoModels.nodeModules());
            }
        }

        /** On the chain of the network recorded in {@code h}'s network.json, with dev accounts 5..9. */
        private int joined(Path h, NetworkFile nf) throws Exception {
            String rpc = nf.components().stream().filter(c -> c.name().equals("chain")).map(NetworkFile.Component::url)
                    .filter(java.util.Objects::nonNull).findFirst().orElse(null);
            Path deploymentFile = Homes.deploymentIn(h);
            if (rpc == null || !Files.isRegularFile(deploymentFile)) {
                System.err.println("verity: the network in " + h + " is still starting (no chain or deployment yet); try again once"
                        + " `verity up` printed its table, or give --own-chain");
                return Main.UNREACHABLE;
            }
            Deployment deployment = Deployment.read(deploymentFile).withRpcUrl(rpc);
            ChainConnection connected;
            try {
                connected = ChainConnection.open(rpc, ChainAccount.READ_ONLY);
            } catch (ChainException e) {
                System.err.println("verity: the chain of the network in " + h + " does not answer (" + e.getMessage() + "); `verity down"
                        + UpCommand.homeArg(h) + "` and `verity up --detach` restart it, or give --own-chain");
                return Main.UNREACHABLE;
            }
            try (ChainConnection reader = connected) {
                long chainId = reader.chainId();
                if (chainId != deployment.chainId() || deployment.disputeGame() == null || !reader.hasCode(deployment.disputeGame())) {
                    System.err.println("verity: " + deploymentFile + " does not describe the chain at " + rpc + " (chain " + chainId
                            + ") with a DisputeGame; restart the network (`verity down" + UpCommand.homeArg(h) + "`, `verity up --detach`)"
                            + ", which deploys one");
                    return Main.CHECK_FAILED;
                }
                List<ChainAccount> accounts = UP_DEMO_KEYS.stream().map(ChainAccount::fromPrivateKey).toList();
                for (int i = 0; i < accounts.size(); i++) {
                    String address = accounts.get(i).address().toString();
                    for (NetworkFile.Component c : nf.components()) {
                        if (address.equalsIgnoreCase(c.address())) {
                            System.err.println("verity: dev account " + (FIRST_UP_DEMO_ACCOUNT + i) + " (" + address + ") is the network's "
                                    + c.name() + "; the demo would race its transactions");
                            return Main.CHECK_FAILED;
                        }
                    }
                }
                Arena arena = new Arena(deployment, accounts.get(0), accounts.subList(1, 1 + NODES - 1), accounts.get(NODES),
                        nf.components().stream().filter(c -> c.name().equals("explorer") && c.url() != null
                                && (c.proc() == null || c.proc().alive())).map(c -> URI.create(c.url())).findFirst());
                // two demos on one network would share accounts 5..9 and the node homes: one at a time
                try (FileChannel lockFile = FileChannel.open(h.resolve(LOCK),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileLock lock = tryLock(lockFile)) {
                    if (lock == null) {
                        System.err.println("verity: another `verity dispute demo` is playing on the network in " + h + "; wait for it to end");
                        return Main.CHECK_FAILED;
                    }
                    return joinedLocked(h, rpc, chainId, deployment, arena, reader);
                }
            }
        }

        private int joinedLocked(Path h, String rpc, long chainId, Deployment deployment, Arena arena, ChainConnection reader)
                throws Exception {
            Optional<String> short_ = fundsShortfall(reader, arena);
            if (short_.isPresent()) {
                System.err.println("verity: insufficient funds: " + short_.get());
                return Main.CHECK_FAILED;
            }
            System.out.println("joining the `verity up` network in " + h + ": chain " + rpc + " (chain " + chainId + "), DisputeGame "
                    + deployment.disputeGame() + "; the demo's nodes and challenger are dev accounts " + FIRST_UP_DEMO_ACCOUNT
                    + ".." + (FIRST_UP_DEMO_ACCOUNT + UP_DEMO_KEYS.size() - 1) + ", which the network does not use");
            Path d = dir != null ? Files.createDirectories(dir) : fresh(h.resolve("dispute-demo"));
            Path models = Files.createDirectories(d.resolve("model"));
            return play(arena, d, demoModel(paddleDet(), models), models);
        }

        private static FileLock tryLock(FileChannel ch) throws IOException {
            try {
                return ch.tryLock();
            } catch (OverlappingFileLockException heldByThisJvm) {
                return null;
            }
        }

        /** What an account lacks to (re)stake, or to post the bond, plus gas; empty when every one has enough. */
        private static Optional<String> fundsShortfall(ChainConnection reader, Arena a) {
            NodeRegistryClient registry = new NodeRegistryClient(reader, a.deployment().nodeRegistry());
            BigInteger min = registry.minStake();
            List<String> lacking = new ArrayList<>();
            List<ChainAccount> nodes = a.nodes();
            for (int i = 0; i < nodes.size(); i++) {
                BigInteger need = stakeToAdd(registry, nodes.get(i).address(), min).add(GAS_MARGIN);
                BigInteger have = reader.balanceOf(nodes.get(i).address());
                if (have.compareTo(need) < 0) {
                    lacking.add("node " + (i + 1) + " " + nodes.get(i).address() + " holds " + ether(have) + " ETH, needs " + ether(need)
                            + " ETH (stake + gas)");
                }
            }
            BigInteger bond = new DisputeClient(reader, a.deployment().requireDisputeGame()).minBond().add(GAS_MARGIN);
            BigInteger have = reader.balanceOf(a.challenger().address());
            if (have.compareTo(bond) < 0) {
                lacking.add("challenger " + a.challenger().address() + " holds " + ether(have) + " ETH, needs " + ether(bond)
                        + " ETH (bond + gas)");
            }
            return lacking.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", lacking));
        }

        /** Wei {@code node} must add to be staked again: all of the minimum after an exit, the gap after a slash. */
        private static BigInteger stakeToAdd(NodeRegistryClient registry, EvmAddress node, BigInteger min) {
            BigInteger have = registry.node(node).map(NodeInfo::stake).orElse(BigInteger.ZERO);
            return have.compareTo(min) >= 0 ? BigInteger.ZERO : min.subtract(have);
        }

        private static DemoModels.Demo paddleDet() {
            return DemoModels.ALL.stream().filter(m -> m.name().equals("paddleocr-det")).findFirst().orElseThrow();
        }

        /**
         * The demo's copy of PaddleOCR det: the same graph and weights, with one metadata entry appended, so its
         * digest is its own. The committee is drawn from nodes advertising the receipt's model digest, and
         * {@code verity up}'s nodes serve the original with ONNX Runtime, where they cannot referee (only det nodes
         * vote): sharing the digest would put silent members on the committee. It also keeps the up gateway from
         * routing paddleocr-det requests to the dishonest node.
         */
        static DemoModels.Demo demoModel(DemoModels.Demo original, Path dir) throws IOException {
            byte[] bytes = Files.readAllBytes(DemoModels.nodeModules().resolve(original.relativePath()));
            byte[] entry = OnnxMl.StringStringEntryProto.newBuilder().setKey(DEMO_TAG)
                    .setValue("PaddleOCR det, copied for `verity dispute demo`").build().toByteArray();
            // ModelProto field 14 (metadata_props), length-delimited; a protobuf parser merges a field appended at the end
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(bytes.length + entry.length + 8);
            out.writeBytes(bytes);
            out.write(14 << 3 | 2);
            for (int n = entry.length; ; n >>>= 7) {
                if (n < 0x80) {
                    out.write(n);
                    break;
                }
                out.write(n & 0x7f | 0x80);
            }
            out.writeBytes(entry);
            Path file = dir.resolve(DEMO_MODEL + ".onnx");
            Files.write(file, out.toByteArray());
            return new DemoModels.Demo(DEMO_MODEL, original.version(), file.toString(), original.license(),
                    original.source() + ", metadata " + DEMO_TAG + " appended (a digest of its own)");
        }

        /** {@code d} emptied (what an earlier run left) and created. */
        private static Path fresh(Path d) throws IOException {
            if (Files.exists(d)) {
                try (var walk = Files.walk(d)) {
                    for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
                }
            }
            return Files.createDirectories(d);
        }

        /**
         * The dispute itself, the same on either chain: register and start the demo's nodes, have node 1 answer,
         * challenge, play, report, and take the nodes off the registry again.
         *
         * @param modelRoot what {@code model.relativePath()} is relative to
         */
        private int play(Arena a, Path home, DemoModels.Demo model, Path modelRoot) throws Exception {
            Deployment d = a.deployment();
            Path deploymentFile = home.resolve("deployment.json");
            d.write(deploymentFile);
            Path modelFile = modelRoot.resolve(model.relativePath());
            List<InferenceNode> nodes = new ArrayList<>();
            long started = System.nanoTime();
            String rpc = d.rpcUrl();
            try (DeterministicEngines engines = DeterministicEngines.create(Math.min(4, Runtime.getRuntime().availableProcessors()), true);
                    ChainConnection reader = ChainConnection.open(rpc, ChainAccount.READ_ONLY);
                    ChainConnection me = ChainConnection.open(rpc, a.challenger());
                    AutoCloseable leave = () -> leave(nodes, a, rpc, d)) {
                NodeRegistryClient registry = new NodeRegistryClient(reader, d.nodeRegistry());
                Manifest manifest = null;
                List<ChainAccount> accounts = a.nodes();
                for (int i = 0; i < accounts.size(); i++) {
                    Path nodeHome = home.resolve("n" + (i + 1));
                    manifest = new ModelHub(nodeHome.resolve("models")).add(modelFile, model.name(), model.version(), model.license(),
                            model.source());
                    int port = freePort();
                    NodeConfig c = NodeConfig.defaults(nodeHome).withPort(port).withChainSettings(ChainSettings.of(deploymentFile)
                            .withAccountKey(accounts.get(i).privateKeyHex()).withBatching(1, Duration.ofMillis(100)));
                    if (i == 0) c = c.withFaults(Faults.NONE.withTamperWeight(true));
                    stake(accounts.get(i), rpc, d, "http://127.0.0.1:" + port, manifest.digest(), c.price());
                    // as a det node serves by default: verity-det/3, untraced, the trace committed only when challenged
                    InferenceNode n = InferenceNode.start(c, Engines.create(EngineKind.DET, 2, c.detContract()), InstantSource.system());
                    nodes.add(n);
                    System.out.printf("node %d  %s  %s  %s%s%n", i + 1, n.address(), n.url(), c.detContract(),
                            i == 0 ? "  DISHONEST: one weight nudged by 2^-10" : "");
                }
                InferenceNode cheat = nodes.getFirst();
                awaitTrue(Duration.ofSeconds(60), () -> nodes.stream().allMatch(n -> registry.isStaked(n.address())), "nodes to stake");
                BigInteger stakeBefore = registry.stakeOf(cheat.address());
                System.out.println("staked: " + NODES + " nodes x " + ether(stakeBefore) + " ETH, serving " + manifest.name() + " "
                        + manifest.digest());

                List<Tensor> inputs = List.of(image(size));
                SignedReceipt receipt = infer(cheat.url(), manifest.name(), inputs);
                System.out.println("node 1 answered " + manifest.name() + " on a " + size + "x" + size + " image; receipt " + receipt.id()
                        + (receipt.receipt().traceOnChallenge() ? ", trace committed on challenge (served untraced)"
                        : ", traceRoot " + receipt.receipt().traceRoot()));
                TraceClient served = new TraceClient(cheat.url());
                TraceClient.Inclusion inc = awaitValue(Duration.ofSeconds(60), () -> served.inclusion(receipt.id()).orElse(null),
                        "the receipt's batch on chain");
                System.out.println("settled in batch " + inc.batchId() + " on chain");

                DisputeClient games = new DisputeClient(me, d.requireDisputeGame());
                // re-run under the contract the receipt names (refused, naming it, when this version computes no such contract)
                DeterministicModel honest = engines.require(receipt.receipt().engine()).load(manifest.digest(), modelFile);
                Challenger challenger = new Challenger(games, honest, line -> System.out.println("  " + line));
                System.out.println("challenger " + me.account().address() + " re-runs the request with its own engine:");
                long from = reader.blockNumber();
                Challenger.Opened opened = challenger.open(receipt, inputs, inc.batchId(), inc.proof(), games.minBond());
                Dispute end = challenger.play(opened, Duration.ofMillis(100), Duration.ofMinutes(5));

                DisputeClient view = new DisputeClient(reader, d.requireDisputeGame());
                TraceLayout.Slot slot = TraceLayout.of(honest).get(Math.toIntExact(end.hi()));
                System.out.printf("disputed entry %d: %s output '%s' of node %d (inputs agreed up to entry %d)%n", end.hi(),
                        honest.nodeOp(slot.node()), slot.name(), slot.node(), end.lo());
                BigInteger slashed = BigInteger.ZERO;
                Optional<Keccak256> resolvedIn = Optional.empty();
                for (ChainLog log : reader.logs(List.of(d.requireDisputeGame()), from, reader.blockNumber())) {
                    ChainEvent e = log.event();
                    if (!e.args().containsKey("gameId") || !BigInteger.valueOf(opened.gameId()).equals(e.arg("gameId"))) continue;
                    if (e.name().equals("CommitteeChosen")) System.out.println("committee: " + e.arg("committee"));
                    if (e.name().equals("Voted")) {
                        System.out.println("  vote " + e.<EvmAddress>arg("member") + ": node " + (e.<Boolean>arg("nodeRight") ? "right" : "wrong"));
                    }
                    if (e.name().equals("Resolved")) {
                        slashed = e.arg("slashed");
                        resolvedIn = Optional.of(log.txHash());
                        System.out.println("resolved: " + e.<String>arg("reason") + ", slashed " + ether(slashed) + " ETH");
                    }
                }
                BigInteger stakeAfter = registry.stakeOf(cheat.address());
                System.out.println("node 1 stake: " + ether(stakeBefore) + " ETH -> " + ether(stakeAfter) + " ETH"
                        + (registry.isStaked(cheat.address()) ? "" : " (below the minimum: no longer staked)"));
                BigInteger claimable = view.claimable(me.account().address());
                if (claimable.signum() > 0) {
                    // pulled now, so what a later run on the same chain reports is its own game's payout
                    TxOutcome paid = games.withdraw();
                    System.out.println("challenger " + (paid instanceof TxOutcome.Confirmed ? "withdrew " : "could not withdraw (" + paid + ") ")
                            + ether(claimable) + " ETH (bond " + ether(games.minBond()) + " back + its share of the slash)");
                }
                System.out.printf("game %d: %s after %d rounds, node 1 slashed %s ETH, %.1f s in all%n", opened.gameId(), end.state(),
                        end.rounds(), ether(slashed), (System.nanoTime() - started) / 1e9);
                if (a.explorer().isPresent()) {
                    String base = a.explorer().get().toString();
                    System.out.println("explorer: " + base + "/nodes/" + cheat.address() + "   (the slashed node and its Slashed event)");
                    resolvedIn.ifPresent(tx -> System.out.println("explorer: " + base + "/tx/" + tx + "   (the vote that resolved the game)"));
                }
                return end.state() == Dispute.State.CHALLENGER_WON ? 0 : Main.CHECK_FAILED;
            }
        }

        /**
         * Registers (or re-registers, after an earlier run's exit) {@code account} with the minimum stake, the
         * node's endpoint and the demo's model, before its node starts: the node's own registration then finds it
         * registered as it should be and sends nothing (it follows endpoint moves, not a changed model list).
         */
        private static void stake(ChainAccount account, String rpc, Deployment d, String endpoint, Keccak256 model, BigInteger price) {
            try (ChainConnection c = ChainConnection.open(rpc, account)) {
                NodeRegistryClient registry = new NodeRegistryClient(c, d.nodeRegistry());
                BigInteger min = registry.minStake();
                Optional<NodeInfo> now = registry.node(account.address());
                if (now.isEmpty() || !now.get().active()) {
                    confirm("register", registry.register(endpoint, List.of(model), Keccak256.ZERO, price,
                            stakeToAdd(registry, account.address(), min)));
                    return;
                }
                BigInteger add = stakeToAdd(registry, account.address(), min);
                if (add.signum() > 0) confirm("topUp", registry.topUp(add));
                if (!now.get().endpoint().equals(endpoint) || !now.get().models().equals(List.of(model))) {
                    confirm("update", registry.update(endpoint, List.of(model), now.get().attestationDigest(), price));
                }
            }
        }

        /**
         * Stops the demo's nodes and takes each off the registry ({@code exit}: inactive, its stake unbonding), so
         * no gateway keeps routing to them and no later committee draws them.
         */
        private static void leave(List<InferenceNode> nodes, Arena a, String rpc, Deployment d) {
            for (int i = nodes.size() - 1; i >= 0; i--) nodes.get(i).close();
            List<String> left = new ArrayList<>();
            for (ChainAccount acct : a.nodes()) {
                try (ChainConnection c = ChainConnection.open(rpc, acct)) {
                    NodeRegistryClient registry = new NodeRegistryClient(c, d.nodeRegistry());
                    if (registry.node(acct.address()).map(NodeInfo::active).orElse(false)) {
                        TxOutcome out = registry.exit();
                        left.add(acct.address() + (out instanceof TxOutcome.Confirmed ? "" : " (exit: " + out + ")"));
                    }
                } catch (ChainException e) {
                    left.add(acct.address() + " (exit failed: " + e.getMessage() + ")");
                }
            }
            if (!left.isEmpty()) System.out.println("the demo's nodes stopped and left the registry: " + String.join(", ", left));
        }

        private static void confirm(String function, TxOutcome outcome) {
            if (outcome instanceof TxOutcome.Reverted r) throw new ContractRevertedException(function, r);
            if (!(outcome instanceof TxOutcome.Confirmed)) throw new ChainException(function + " was not mined: " + outcome);
        }

        private static int freePort() throws IOException {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            }
        }

        /** A deterministic 3-channel test card, normalised as PaddleOCR det expects. */
        static Tensor image(int side) {
            float[] v = new float[3 * side * side];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        boolean ink = (y / 8) % 3 == 1 && (x / 4) % 2 == 0; // dark bars, like a line of text
                        v[(c * side + y) * side + x] = ink ? -1.8f : 2.0f + 0.01f * c;
                    }
                }
            }
            return Tensor.ofFloats("x", Shape.of(1, 3, side, side), v);
        }

        static SignedReceipt infer(URI node, String model, List<Tensor> inputs) {
            try (NodeApiClient client = NodeApiClient.of(node)) {
                return client.infer(model, inputs, Optional.empty()).receipt();
            }
        }

        static String ether(BigInteger wei) {
            return new BigDecimal(wei).divide(new BigDecimal(DeployParams.ETHER)).stripTrailingZeros().toPlainString();
        }

        static void awaitTrue(Duration limit, java.util.function.BooleanSupplier ok, String what) throws InterruptedException {
            awaitValue(limit, () -> ok.getAsBoolean() ? Boolean.TRUE : null, what);
        }

        static <T> T awaitValue(Duration limit, java.util.function.Supplier<T> get, String what) throws InterruptedException {
            Instant stop = Instant.now().plus(limit);
            while (Instant.now().isBefore(stop)) {
                T v = get.get();
                if (v != null) return v;
                Thread.sleep(100);
            }
            throw new IllegalStateException("gave up waiting " + limit.toSeconds() + " s for " + what);
        }
    }
}
