package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.ChainConnection;
import io.verity.chain.devnet.DeployParams;
import io.verity.chain.contracts.Dispute;
import io.verity.chain.contracts.DisputeClient;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.fixture.LocalChain;
import io.verity.engine.EngineKind;
import io.verity.engine.det.DeterministicEngine;
import io.verity.engine.det.DeterministicEngines;
import io.verity.engine.det.DeterministicModel;
import io.verity.node.dispute.Challenger;
import io.verity.node.dispute.TraceClient;
import io.verity.node.dispute.TraceLayout;
import io.verity.node.faults.ModelTamper;
import io.verity.node.fixture.StakedNodes;
import io.verity.node.serve.DetTrace;
import io.verity.node.serve.Engines;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import io.verity.testing.RealInputs;
import io.verity.testing.RealModel;
import io.verity.testing.RealModels;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disputes end to end on anvil with real det-engine nodes and PaddleOCR det (672 operators, 674 trace
 * entries: the graph input, the operators' outputs, the outputs entry): each node answers bisection moves on
 * its own receipts, draws committees and sits on them (DisputeDuties), the challenger re-runs the request with
 * its own engine. Node 1 computes with one weight nudged ({@link Faults#tamperWeight()}) and is forced to sign
 * verity-det/2 ({@code --det-contract 2}), so its receipts are disputed, and refereed by the other nodes, under
 * /2 while they sign the default, /3; node 5 computes honestly but perturbs the outputs it returns and signs
 * ({@link Faults#perturb()}: an honest traceRoot with a wrong outputsDigest); nodes 2-4 are honest. Nodes 1-4 run
 * det as a node does by default ({@link Engines#create}: untraced, receipts signing
 * {@code Receipt.TRACE_ON_CHALLENGE}), so their games start with the node committing the root it recomputes; node 5
 * runs it traced ({@code --det-trace eager}: eager receipts, a signed root to contradict).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DisputeIT {
    static final int CHALLENGER = 6;
    static final BigInteger BOND = DeployParams.ETHER.divide(BigInteger.TEN);
    static final RealModel MODEL = RealModels.paddleOcrDet();

    @TempDir static Path dir;

    @RegisterExtension static final LocalChain devnet = LocalChain.perClass();
    static Path deploymentFile;
    static final List<InferenceNode> nodes = new ArrayList<>();
    static HttpClient http;
    /** The challenger's engines: the contract of each receipt it re-runs is the receipt's. */
    static DeterministicEngines engines;

    @BeforeAll
    static void start() throws Exception {
        deploymentFile = devnet.deploymentFile();
        http = HttpClient.newHttpClient();
        for (int account = 1; account <= 5; account++) {
            Path home = dir.resolve("n" + account);
            StakedNodes.install(home, MODEL);
            NodeConfig c = NodeConfig.defaults(home).withChainSettings(StakedNodes.chainSettings(devnet, account)
                    .withBatching(1, Duration.ofMillis(100)));
            if (account == 1) c = c.withFaults(Faults.NONE.withTamperWeight(true)).withDetContract(DeterministicEngine.ID);
            if (account == 5) c = c.withFaults(Faults.NONE.withPerturb(1.0)).withEngine(EngineKind.DET).withDetTrace(DetTrace.EAGER);
            var det = Engines.create(EngineKind.DET, 2, c.detContract(), c.detTrace()); // as --engine det [--det-trace eager] makes it
            nodes.add(StakedNodes.start(devnet, c, det, InstantSource.system()));
        }
        engines = DeterministicEngines.create(2, true);
    }

    @AfterAll
    static void stop() {
        for (int i = nodes.size() - 1; i >= 0; i--) nodes.get(i).close();
        if (engines != null) engines.close();
    }

    record Settled(SignedReceipt receipt, List<Tensor> inputs, TraceClient.Inclusion inclusion) {}

    static Settled inferAndSettle(InferenceNode node, String text) throws Exception {
        List<Tensor> inputs = RealInputs.paddleOcrDet(text, 64, 64);
        ObjectNode body = NodeFixture.JSON.createObjectNode().put("model", MODEL.name());
        inputs.forEach(t -> body.withArray("inputs").add(TensorJson.writeCompact(t)));
        NodeFixture.Response r = NodeFixture.post(http, node.url(), "/v1/infer", body.toString(), "application/json");
        assertThat(r.status()).as("infer: %s", r.body()).isEqualTo(200);
        SignedReceipt signed = ReceiptJson.read(r.body().get("receipt"), "/receipt");
        // node 1 was forced to /2; every other node signs the default contract
        assertThat(signed.receipt().engine()).isEqualTo(node == nodes.getFirst() ? DeterministicEngine.ID : DeterministicEngine.ID_V3);
        TraceClient tc = new TraceClient(node.url());
        TraceClient.Inclusion inc = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> tc.inclusion(signed.id()).orElse(null), i -> i != null);
        return new Settled(signed, inputs, inc);
    }

    /** The first trace entry from {@code from} on that is a Conv operator's output. */
    static int firstConvFrom(DeterministicModel m, List<TraceLayout.Slot> layout, int from) {
        for (int i = from; i < layout.size(); i++) {
            if (layout.get(i).node() >= 0 && m.nodeOp(layout.get(i).node()).equals("Conv")) return i;
        }
        throw new AssertionError("no Conv entry from " + from + " in " + layout.size() + " entries");
    }

    /** The model as the challenger's own engine loads it, under the contract {@code receipt} names. */
    static DeterministicModel model(SignedReceipt receipt) {
        return engines.require(receipt.receipt().engine()).load(MODEL.digest(), MODEL.file());
    }

    static NodeRegistryClient registry(ChainConnection c) {
        return new NodeRegistryClient(c, devnet.deployment().nodeRegistry());
    }

    static DisputeClient games(ChainConnection c) {
        return new DisputeClient(c, devnet.deployment().requireDisputeGame());
    }

    @Test
    void a_det2_node_computing_with_a_tampered_weight_is_bisected_to_that_operator_and_slashed_by_det3_referees() throws Exception {
        InferenceNode cheat = nodes.get(0);
        Settled s = inferAndSettle(cheat, "VERITY");
        assertThat(s.receipt().receipt().engine()).isEqualTo(DeterministicEngine.ID);
        assertThat(s.receipt().receipt().traceRoot()).isEqualTo(Receipt.TRACE_ON_CHALLENGE); // served untraced
        DeterministicModel honest = model(s.receipt());
        assertThat(honest.engineId()).isEqualTo(DeterministicEngine.ID);
        try (ChainConnection me = devnet.connect(CHALLENGER); ChainConnection reader = devnet.connect(0)) {
            NodeRegistryClient registry = registry(reader);
            BigInteger stakeBefore = registry.stakeOf(cheat.address());
            List<String> log = new ArrayList<>();
            Challenger challenger = new Challenger(games(me), honest, line -> {
                log.add(line);
                System.out.println(line);
            });
            long started = System.nanoTime();
            Challenger.Opened opened = challenger.open(s.receipt(), s.inputs(), s.inclusion().batchId(), s.inclusion().proof(), BOND);
            assertThat(opened.trace().size()).isEqualTo(674);
            Dispute end = challenger.play(opened, Duration.ofMillis(100), Duration.ofMinutes(3));
            long ms = (System.nanoTime() - started) / 1_000_000;

            assertThat(end.state()).as("game after: %s", log).isEqualTo(Dispute.State.CHALLENGER_WON);
            assertThat(log).anyMatch(l -> l.startsWith("node committed its trace: root ") && l.contains(", 674 entries"));
            assertThat(end.traceRoot()).as("the root the node committed: its tampered run's")
                    .isNotEqualTo(opened.trace().root()).isNotEqualTo(Receipt.TRACE_ON_CHALLENGE);
            assertThat(end.rounds()).isLessThanOrEqualTo(12);
            TraceLayout.Slot disputed = TraceLayout.of(honest).get(Math.toIntExact(end.hi()));
            assertThat(honest.nodeOp(disputed.node())).as("the tampered weight's operator").isEqualTo("Constant");
            List<EvmAddress> committee = games(reader).committee(opened.gameId());
            assertThat(committee).hasSize(3).doesNotContain(cheat.address()); // verity-det/3 nodes, judging under /2
            for (EvmAddress m : committee) assertThat(games(reader).voteOf(opened.gameId(), m)).as("vote of %s", m).isEqualTo(2);
            BigInteger slashed = stakeBefore.divide(BigInteger.TWO);
            assertThat(registry.stakeOf(cheat.address())).isEqualTo(stakeBefore.subtract(slashed));
            assertThat(games(reader).claimable(devnet.account(CHALLENGER).address())).isGreaterThan(BOND.add(slashed).multiply(BigInteger.valueOf(8)).divide(BigInteger.TEN));
            assertThat(games(reader).convicted(s.receipt().id())).isTrue();
            System.out.printf("dispute on PaddleOCR det (%d trace entries, %d operators): %d node reveals, %d ms wall on anvil%n",
                    opened.trace().size(), honest.nodeCount(), end.rounds(), ms);
        }
    }

    @Test
    void an_honest_node_serves_its_trace_and_a_false_challenger_loses_its_bond() throws Exception {
        InferenceNode honestNode = nodes.get(1);
        Settled s = inferAndSettle(honestNode, "HONEST");
        // the false challenger computes with a tampered copy of the model (as node 1 does) under the real digest
        Path wrong = ModelTamper.tampered(MODEL.file(), dir.resolve("challenger-tampered.onnx"));
        try (DeterministicEngine own = DeterministicEngine.create(2, true, s.receipt().receipt().engine());
                ChainConnection me = devnet.connect(CHALLENGER + 1); ChainConnection reader = devnet.connect(0)) {
            DeterministicModel falseModel = own.load(MODEL.digest(), wrong);
            TraceClient served = new TraceClient(honestNode.url());
            assertThat(served.traceSize(s.receipt().id())).contains(674);
            TraceClient.Opening last = served.opening(s.receipt().id(), 673).orElseThrow();
            assertThat(last.reveal().digest()).isEqualTo(s.receipt().receipt().outputsDigest()); // an honest receipt's last entry
            // served untraced, recomputed on demand from the kept inputs: bit for bit the trace another engine computes
            assertThat(s.receipt().receipt().traceRoot()).isEqualTo(Receipt.TRACE_ON_CHALLENGE);
            assertThat(games(reader).traceRootOf(last.reveal())).isEqualTo(model(s.receipt()).trace(s.inputs()).root());

            Challenger challenger = new Challenger(games(me), falseModel, System.out::println);
            Challenger.Opened opened = challenger.open(s.receipt(), s.inputs(), s.inclusion().batchId(), s.inclusion().proof(), BOND);
            Dispute end = challenger.play(opened, Duration.ofMillis(100), Duration.ofMinutes(3));

            assertThat(end.state()).isEqualTo(Dispute.State.NODE_WON);
            assertThat(end.traceRoot()).as("the root the node committed when challenged").isEqualTo(model(s.receipt()).trace(s.inputs()).root());
            assertThat(games(reader).claimable(honestNode.address())).isGreaterThanOrEqualTo(BOND.multiply(BigInteger.valueOf(9)).divide(BigInteger.TEN));
            assertThat(registry(reader).stakeOf(honestNode.address()))
                    .isEqualTo(registry(reader).minStake());
        }
    }

    @Test
    void trace_routes_refuse_bad_indices_and_unknown_receipts_with_problems_naming_the_field() throws Exception {
        InferenceNode node = nodes.get(2);
        Settled s = inferAndSettle(node, "ROUTES");
        String base = "/v1/receipts/" + s.receipt().id().toHex() + "/trace/";
        NodeFixture.Response bad = NodeFixture.get(http, node.url(), base + "674");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body().at("/errors/0/pointer").asText()).isEqualTo("/i");
        assertThat(bad.body().at("/errors/0/detail").asText()).isEqualTo("must be an integer in [0, 673], got 674");
        assertThat(NodeFixture.get(http, node.url(), base + "x").status()).isEqualTo(400);
        NodeFixture.Response unknown = NodeFixture.get(http, node.url(), "/v1/receipts/0x" + "ab".repeat(32) + "/trace");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
        NodeFixture.Response badId = NodeFixture.get(http, node.url(), "/v1/receipts/0x12/trace/3");
        assertThat(badId.status()).isEqualTo(400);
        assertThat(badId.body().at("/errors/0/pointer").asText()).isEqualTo("/id");

        // an operator's inputs are served with openings of earlier entries that verify against the receipt's root
        TraceClient tc = new TraceClient(node.url());
        DeterministicModel m = model(s.receipt());
        int convEntry = firstConvFrom(m, TraceLayout.of(m), 300);
        TraceClient.OperatorInputs in = tc.inputs(s.receipt().id(), convEntry).orElseThrow();
        assertThat(in.op()).isEqualTo("Conv");
        assertThat(in.inputs()).isNotEmpty().allSatisfy(x -> {
            assertThat(x.opening().reveal().index()).isLessThan(in.index());
            assertThat(io.verity.engine.det.ExecutionTrace.tensorDigest(x.tensor())).isEqualTo(x.opening().reveal().digest());
        });
    }

    @Test
    void a_referee_re_executes_a_conv_from_the_inputs_the_node_serves_and_checks_the_nodes_digest() throws Exception {
        InferenceNode node = nodes.get(3);
        Settled s = inferAndSettle(node, "REFEREE");
        DeterministicModel m = model(s.receipt());
        var trace = m.trace(s.inputs());
        assertThat(s.receipt().receipt().traceOnChallenge()).isTrue(); // the game's root is the one the node commits: trace.root()
        List<TraceLayout.Slot> layout = TraceLayout.of(m);
        assertThat(layout).hasSize(trace.size());
        for (int i = 0; i < layout.size(); i++) assertThat(layout.get(i).name()).isEqualTo(trace.entries().get(i).name());
        int conv = firstConvFrom(m, layout, 400);

        TraceClient served = new TraceClient(node.url());
        var right = judge(m, served, s, trace.root(), conv, trace.entries().get(conv).digest(), trace.chain(conv - 1));
        assertThat(right.nodeRight()).as(right.reason()).isTrue();
        assertThat(right.reason()).startsWith("re-executed Conv node ");
        var wrong = judge(m, served, s, trace.root(), conv, trace.entries().get(conv - 1).digest(), trace.chain(conv - 1));
        assertThat(wrong.nodeRight()).as(wrong.reason()).isFalse();
        var input = judge(m, served, s, trace.root(), 0, trace.entries().get(0).digest(), io.verity.protocol.Keccak256.ZERO);
        assertThat(input.nodeRight()).as(input.reason()).isTrue();
        assertThat(input.reason()).contains("graph input x");
    }

    @Test
    void a_referee_of_the_last_entry_recomputes_the_outputs_digest_from_the_graph_outputs_the_node_serves() throws Exception {
        InferenceNode node = nodes.get(3);
        Settled s = inferAndSettle(node, "OUTPUTS");
        DeterministicModel m = model(s.receipt());
        var trace = m.trace(s.inputs());
        int last = trace.size() - 1;
        TraceClient served = new TraceClient(node.url());
        TraceClient.OperatorInputs in = served.inputs(s.receipt().id(), last).orElseThrow();
        assertThat(in.op()).isEqualTo("verity:outputs");
        assertThat(in.inputs()).extracting(x -> x.tensor().name()).containsExactlyElementsOf(m.outputsEntryInputs());
        assertThat(in.inputs()).allSatisfy(x -> assertThat(x.opening().reveal().index()).isLessThan(last));

        var right = judge(m, served, s, trace.root(), last, s.receipt().receipt().outputsDigest(), trace.chain(last - 1));
        assertThat(right.nodeRight()).as(right.reason()).isTrue();
        assertThat(right.reason()).startsWith("re-executed the outputs entry over " + m.outputsEntryInputs());
        // a node whose last entry (and signed outputsDigest) is some other aggregate than its outputs' digest
        var lying = judge(m, served, s, trace.root(), last, io.verity.protocol.Keccak256.hash(new byte[] {7}), trace.chain(last - 1));
        assertThat(lying.nodeRight()).as(lying.reason()).isFalse();
    }

    @Test
    void a_node_signing_an_honest_trace_but_perturbed_outputs_is_slashed_at_once_by_the_challengers_outputs_proof() throws Exception {
        InferenceNode liar = nodes.get(4);
        Settled s = inferAndSettle(liar, "OUTPUTS LIE");
        DeterministicModel honest = model(s.receipt());
        var mine = honest.trace(s.inputs());
        assertThat(s.receipt().receipt().traceRoot()).as("the liar's trace is honest").isEqualTo(mine.root());
        // --det-trace eager: the signed root is the trace the node serves, no commit needed
        TraceClient served = new TraceClient(liar.url());
        assertThat(served.traceSize(s.receipt().id())).contains(mine.entries().size());
        assertThat(served.opening(s.receipt().id(), 5).orElseThrow().reveal().verifies(mine.root())).isTrue();
        assertThat(s.receipt().receipt().outputsDigest()).isNotEqualTo(mine.entries().getLast().digest());
        try (ChainConnection me = devnet.connect(CHALLENGER + 2); ChainConnection reader = devnet.connect(0)) {
            NodeRegistryClient registry = registry(reader);
            BigInteger stakeBefore = registry.stakeOf(liar.address());
            long gamesBefore = games(reader).gameCount();
            Challenger challenger = new Challenger(games(me), honest, System.out::println);

            Challenger.Challenge c = challenger.challenge(s.receipt(), s.inputs(), s.inclusion().batchId(), s.inclusion().proof(), BOND);

            assertThat(c).isInstanceOf(Challenger.Challenge.Proven.class);
            BigInteger slashed = stakeBefore.divide(BigInteger.TWO);
            BigInteger reward = slashed.subtract(slashed.divide(BigInteger.TEN));
            assertThat(((Challenger.Challenge.Proven) c).slashed()).isEqualTo(slashed);
            assertThat(((Challenger.Challenge.Proven) c).reward()).isEqualTo(reward);
            assertThat(registry.stakeOf(liar.address())).isEqualTo(stakeBefore.subtract(slashed));
            assertThat(games(reader).claimable(devnet.account(CHALLENGER + 2).address())).isEqualTo(reward);
            assertThat(games(reader).convicted(s.receipt().id())).isTrue();
            assertThat(games(reader).gameCount()).as("no game was needed").isEqualTo(gamesBefore);

            // a receipt of another engine id has a trace this challenger cannot reproduce: refused, not challenged
            var r = s.receipt().receipt();
            var key = io.verity.protocol.crypto.NodeKey.fromPrivateKey(devnet.account(9).privateKeyHex());
            SignedReceipt older = SignedReceipt.sign(new io.verity.protocol.receipt.Receipt(r.version(), r.requestId(), r.modelDigest(),
                    "verity-det/1", r.inputsDigest(), r.outputsDigest(), r.traceRoot(), key.address(), r.attestationDigest(),
                    r.verification(), r.price(), r.timestamp()), s.receipt().domain(), key);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> challenger.challenge(older, s.inputs(), 0, List.of(), BOND))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("receipt was signed by verity-det/1, this challenger reproduces verity-det/3 traces only");
            assertThat(engines.forContract("verity-det/1")).as("an id no engine computes: refused, not guessed").isEmpty();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> engines.require("verity-det/1"))
                    .hasMessage("receipt engine 'verity-det/1' is no deterministic contract this version computes (verity-det/2, verity-det/3)");
        }
    }

    @Test
    void a_node_signing_perturbed_outputs_on_an_on_challenge_receipt_cannot_commit_a_root_and_loses_when_the_window_passes()
            throws Exception {
        // a sixth node, on its own account, so its slash changes no committee of the other tests (it ends below the minimum stake)
        Path home = dir.resolve("n9");
        StakedNodes.install(home, MODEL);
        NodeConfig c = NodeConfig.defaults(home).withChainSettings(StakedNodes.chainSettings(devnet, 9)
                .withBatching(1, Duration.ofMillis(100))).withFaults(Faults.NONE.withPerturb(1.0));
        try (InferenceNode liar = StakedNodes.start(devnet, c, Engines.create(EngineKind.DET, 2, c.detContract()), InstantSource.system());
                ChainConnection me = devnet.connect(CHALLENGER); ChainConnection reader = devnet.connect(0)) {
            Settled s = inferAndSettle(liar, "NO ROOT");
            assertThat(s.receipt().receipt().traceOnChallenge()).isTrue();
            BigInteger stakeBefore = registry(reader).stakeOf(liar.address());
            List<String> log = new ArrayList<>();
            Challenger challenger = new Challenger(games(me), model(s.receipt()), log::add);
            var game = challenger.challenge(s.receipt(), s.inputs(), s.inclusion().batchId(), s.inclusion().proof(), BOND);
            long id = ((Challenger.Challenge.Game) game).opened().gameId();
            assertThat(games(reader).game(id).state()).isEqualTo(Dispute.State.AWAIT_TRACE);
            // its recomputed trace ends with the outputs it computed, not the perturbed ones it signed: commitTrace refuses it
            devnet.mine(games(reader).commitBlock(id) - reader.blockNumber() + 1);
            Dispute end = challenger.play(((Challenger.Challenge.Game) game).opened(), Duration.ofMillis(100), Duration.ofMinutes(1));

            assertThat(end.state()).as("game after: %s", log).isEqualTo(Dispute.State.CHALLENGER_WON);
            assertThat(end.traceRoot()).as("no root was ever committed").isEqualTo(io.verity.protocol.Keccak256.ZERO);
            assertThat(log).contains("deadline passed in AWAIT_TRACE: called timeout");
            assertThat(registry(reader).stakeOf(liar.address())).isEqualTo(stakeBefore.subtract(stakeBefore.divide(BigInteger.TWO)));
        }
    }

    /**
     * The ruling of a referee that knows only {@code m}, from what the node {@code served}, on a game in VOTING on
     * entry {@code hi} where the node claims {@code nodeDigest} after the {@code agreed} chain.
     */
    static io.verity.node.dispute.Referee.Ruling judge(DeterministicModel m, TraceClient served, Settled s, io.verity.protocol.Keccak256 root,
            int hi, io.verity.protocol.Keccak256 nodeDigest, io.verity.protocol.Keccak256 agreed) {
        // the referee is asked for the receipt's own contract, and abstains on any other
        return new io.verity.node.dispute.Referee((d, engine) -> engine.equals(m.engineId()) ? java.util.Optional.of(m)
                : java.util.Optional.empty()).judge(voting(s, root, hi, nodeDigest, agreed), served).orElseThrow();
    }

    /** A game in VOTING on entry {@code hi} of the trace with {@code root}, where the node claims {@code nodeDigest}. */
    static Dispute voting(Settled s, io.verity.protocol.Keccak256 root, int hi, io.verity.protocol.Keccak256 nodeDigest,
            io.verity.protocol.Keccak256 agreed) {
        return new Dispute(0, s.receipt().id(), root, s.receipt().receipt().node(),
                devnet.account(CHALLENGER).address(), BOND, Dispute.State.VOTING, 674, hi - 1, hi, hi, java.time.Instant.now(), 9,
                agreed, nodeDigest);
    }
}
