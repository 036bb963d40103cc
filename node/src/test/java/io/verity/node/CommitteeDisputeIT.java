package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.verity.chain.ChainConnection;
import io.verity.chain.contracts.CommitteeClient;
import io.verity.chain.contracts.CommitteeDispute;
import io.verity.chain.contracts.ComparisonRule;
import io.verity.chain.contracts.ModelRegistryClient;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.devnet.CommitteeParams;
import io.verity.chain.fixture.LocalChain;
import io.verity.engine.EngineKind;
import io.verity.engine.det.DeterministicEngine;
import io.verity.node.dispute.TraceClient;
import io.verity.node.fixture.StakedNodes;
import io.verity.node.hub.ModelHub;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.wire.DisputeEvidence;
import io.verity.testing.RealInputs;
import io.verity.testing.RealModel;
import io.verity.testing.RealModels;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Committee disputes end to end on anvil with real ONNX Runtime nodes serving Silero VAD, whose rule on chain is a
 * tolerance: nodes 1 and 5 lie on every answer ({@link Faults#perturb()}: outputs moved by 0.05-0.1 %, signed),
 * nodes 2-4 are honest. The challenger (dev account 6) is this test: it gets an answer, asks an honest node for its
 * own, serves the evidence (inputs and accused outputs) from a loopback server and opens the dispute. Everything
 * after that (drawing the committee, judging, commit, reveal, resolve) is the nodes' committee duty; the test only
 * mines the blocks up to the seed block, which an automining anvil mines only on transactions.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class CommitteeDisputeIT {
    static final int CHALLENGER = 6;
    static final CommitteeParams PARAMS = CommitteeParams.defaults();
    static final ComparisonRule RULE = ComparisonRule.Tolerance.of(1e-6, 1e-5);
    static final Duration RESOLUTION = Duration.ofSeconds(60);

    @TempDir static Path dir;
    @RegisterExtension static final LocalChain devnet = LocalChain.perClass();
    static final List<InferenceNode> nodes = new ArrayList<>();
    static final Map<String, byte[]> served = new ConcurrentHashMap<>();
    static final AtomicInteger documents = new AtomicInteger();
    static HttpServer evidence;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        http = HttpClient.newHttpClient();
        evidence = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        evidence.createContext("/evidence/", x -> {
            byte[] body = served.get(x.getRequestURI().getPath());
            x.getResponseHeaders().set("Content-Type", "application/json");
            x.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) x.getResponseBody().write(body);
            x.close();
        });
        evidence.start();
        for (int account = 1; account <= 5; account++) {
            Path home = dir.resolve("n" + account);
            StakedNodes.installVad(home);
            // the legacy VAD, judged bit-exact: node 2 serves it with the det engine (verity-det/3), the others with ONNX Runtime
            RealModel legacy = RealModels.sileroVadLegacy();
            new ModelHub(home.resolve("models")).add(legacy.file(), legacy.name(), legacy.version(), legacy.license(), legacy.source(),
                    account == 2 ? Optional.of(EngineKind.DET) : Optional.empty());
            NodeConfig c = NodeConfig.defaults(home).withChainSettings(StakedNodes.chainSettings(devnet, account)
                    .withBatching(1, Duration.ofMillis(100)));
            if (account == 1 || account == 5) c = c.withFaults(Faults.NONE.withPerturb(1.0));
            nodes.add(StakedNodes.start(devnet, c));
        }
        Answer a = infer(nodes.get(1), 1);
        try (ChainConnection owner = devnet.connect(0)) {
            new ModelRegistryClient(owner, devnet.deployment().modelRegistry())
                    .register(a.receipt().receipt().modelDigest(), "npm:@ricky0123/vad-web", "silero-vad", "5", RULE).confirmed();
            new ModelRegistryClient(owner, devnet.deployment().modelRegistry()).register(RealModels.sileroVadLegacy().digest(),
                    "npm:@ricky0123/vad-web", "silero-vad-legacy", "4", ComparisonRule.BIT_EXACT).confirmed();
        }
    }

    @AfterAll
    static void stop() {
        for (int i = nodes.size() - 1; i >= 0; i--) nodes.get(i).close();
        if (evidence != null) evidence.stop(0);
    }

    record Answer(List<Tensor> inputs, List<Tensor> outputs, SignedReceipt receipt) {}

    static Answer infer(InferenceNode node, long seed) throws Exception {
        return infer(node, StakedNodes.VAD, RealInputs.sileroVadV5(seed));
    }

    static Answer infer(InferenceNode node, String model, List<Tensor> inputs) throws Exception {
        ObjectNode body = NodeFixture.JSON.createObjectNode().put("model", model);
        inputs.forEach(t -> body.withArray("inputs").add(TensorJson.writeCompact(t)));
        NodeFixture.Response r = NodeFixture.post(http, node.url(), "/v1/infer", body.toString(), "application/json");
        assertThat(r.status()).as("infer: %s", r.body()).isEqualTo(200);
        return new Answer(inputs, TensorJson.readList(r.body().get("outputs"), "/outputs"),
                ReceiptJson.read(r.body().get("receipt"), "/receipt"));
    }

    /** Serves {@code e} at a fresh loopback URI. */
    static URI serve(DisputeEvidence e) {
        String path = "/evidence/" + documents.incrementAndGet();
        served.put(path, e.write().toString().getBytes(StandardCharsets.UTF_8));
        return URI.create("http://127.0.0.1:" + evidence.getAddress().getPort() + path);
    }

    /**
     * Opens a dispute on {@code accused}'s settled receipt with the challenger's own answer {@code mine}, serving
     * {@code shown} as the evidence, then mines to the seed block and waits until the nodes resolve it.
     */
    static CommitteeDispute dispute(InferenceNode accused, Answer accusedAnswer, Keccak256 mine, DisputeEvidence shown)
            throws Exception {
        TraceClient tc = new TraceClient(accused.url());
        TraceClient.Inclusion inc = await("receipt settled").atMost(RESOLUTION).pollInterval(Duration.ofMillis(100))
                .until(() -> tc.inclusion(accusedAnswer.receipt().id()).orElse(null), i -> i != null);
        try (ChainConnection me = devnet.connect(CHALLENGER)) {
            CommitteeClient disputes = new CommitteeClient(me, devnet.deployment().requireCommitteeDisputes());
            long started = System.nanoTime();
            long opened = me.blockNumber();
            long id = CommitteeClient.openedId(disputes.open(accusedAnswer.receipt(), inc.batchId(), inc.proof(), mine,
                    serve(shown), PARAMS.minBond()).confirmed());
            devnet.mine(PARAMS.drawDelay() + 1); // past the seed block: draw needs its hash
            CommitteeDispute end = await("dispute " + id + " resolved by the committee").atMost(RESOLUTION)
                    .pollInterval(Duration.ofMillis(200)).until(() -> disputes.dispute(id), d -> d.state().finished());
            System.out.printf("committee dispute %d: %s in %d ms and %d blocks from open to resolution%n", id, end.state(),
                    (System.nanoTime() - started) / 1_000_000, me.blockNumber() - opened);
            return end;
        }
    }

    static NodeRegistryClient registry(ChainConnection c) {
        return new NodeRegistryClient(c, devnet.deployment().nodeRegistry());
    }

    @Test
    void an_ort_node_that_always_lies_is_judged_wrong_by_the_committee_and_slashed() throws Exception {
        InferenceNode liar = nodes.get(0);
        Answer lie = infer(liar, 7);
        Answer truth = infer(nodes.get(2), 7);
        assertThat(lie.receipt().receipt().outputsDigest()).isNotEqualTo(truth.receipt().receipt().outputsDigest());
        try (ChainConnection reader = devnet.connect(0)) {
            BigInteger before = registry(reader).stakeOf(liar.address());

            CommitteeDispute end = dispute(liar, lie, truth.receipt().receipt().outputsDigest(),
                    new DisputeEvidence(lie.inputs(), lie.outputs()));

            assertThat(end.state()).isEqualTo(CommitteeDispute.State.CHALLENGER_WON);
            CommitteeClient disputes = new CommitteeClient(reader, devnet.deployment().requireCommitteeDisputes());
            List<EvmAddress> committee = disputes.committee(end.id());
            assertThat(committee).hasSize(3).doesNotContain(liar.address());
            for (EvmAddress m : committee) assertThat(disputes.voteOf(end.id(), m)).as("vote of %s", m).isEqualTo(2);
            for (int i = 0; i < nodes.size(); i++) { // each member sealed its vote in its home before committing it
                if (committee.contains(nodes.get(i).address())) {
                    assertThat(dir.resolve("n" + (i + 1)).resolve("committee-votes.json")).as("votes file of member %d", i + 1).exists();
                }
            }
            BigInteger slashed = before.multiply(BigInteger.valueOf(PARAMS.slashBps())).divide(BigInteger.valueOf(10_000));
            assertThat(registry(reader).stakeOf(liar.address())).isEqualTo(before.subtract(slashed));
            assertThat(disputes.convicted(end.receiptId())).isTrue();
            assertThat(disputes.claimable(devnet.account(CHALLENGER).address())).isGreaterThan(PARAMS.minBond().add(slashed
                    .multiply(BigInteger.valueOf(10_000 - PARAMS.committeeBps())).divide(BigInteger.valueOf(10_000))).subtract(BigInteger.TEN));
        }
    }

    @Test
    void an_honest_node_wrongly_accused_keeps_its_stake_and_the_challenger_loses_its_bond() throws Exception {
        InferenceNode honest = nodes.get(1);
        Answer answer = infer(honest, 11);
        try (ChainConnection reader = devnet.connect(0)) {
            BigInteger before = registry(reader).stakeOf(honest.address());
            CommitteeClient disputes = new CommitteeClient(reader, devnet.deployment().requireCommitteeDisputes());
            BigInteger challengerBefore = disputes.claimable(devnet.account(CHALLENGER).address());

            CommitteeDispute end = dispute(honest, answer, Keccak256.hash(new byte[] {18}),
                    new DisputeEvidence(answer.inputs(), answer.outputs()));

            assertThat(end.state()).isEqualTo(CommitteeDispute.State.NODE_WON);
            assertThat(registry(reader).stakeOf(honest.address())).isEqualTo(before);
            assertThat(disputes.claimable(honest.address())).isPositive();
            assertThat(disputes.claimable(devnet.account(CHALLENGER).address())).as("the bond is lost").isEqualTo(challengerBefore);
        }
    }

    @Test
    void evidence_whose_inputs_do_not_match_the_receipts_digest_cannot_convict_even_a_liar() throws Exception {
        InferenceNode liar = nodes.get(4);
        Answer lie = infer(liar, 13);
        Answer truth = infer(nodes.get(2), 13);
        List<Tensor> otherInputs = RealInputs.sileroVadV5(14);
        try (ChainConnection reader = devnet.connect(0)) {
            BigInteger before = registry(reader).stakeOf(liar.address());

            CommitteeDispute end = dispute(liar, lie, truth.receipt().receipt().outputsDigest(),
                    new DisputeEvidence(otherInputs, lie.outputs()));

            assertThat(end.state()).isEqualTo(CommitteeDispute.State.NODE_WON);
            assertThat(registry(reader).stakeOf(liar.address())).isEqualTo(before);
            CommitteeClient disputes = new CommitteeClient(reader, devnet.deployment().requireCommitteeDisputes());
            for (EvmAddress m : disputes.committee(end.id())) assertThat(disputes.voteOf(end.id(), m)).as("vote of %s", m).isEqualTo(1);
        }
    }

    /**
     * A committee member re-runs a det receipt under the contract the receipt names, read from the accused node, not
     * with the engine it serves the model with: node 2's honest verity-det/3 answer, under a bit-exact rule, is judged
     * right by members that serve the model with ONNX Runtime, whose own bits differ.
     */
    @Test
    void an_honest_det_answer_is_judged_under_its_receipts_contract_by_members_that_serve_the_model_with_onnxruntime() throws Exception {
        InferenceNode det = nodes.get(1);
        String legacy = RealModels.sileroVadLegacy().name();
        Answer answer = infer(det, legacy, RealInputs.sileroVadLegacy(21));
        Answer ort = infer(nodes.get(2), legacy, RealInputs.sileroVadLegacy(21));
        assertThat(answer.receipt().receipt().engine()).isEqualTo(DeterministicEngine.ID_V3);
        assertThat(ort.receipt().receipt().engine()).isNotEqualTo(DeterministicEngine.ID_V3);
        assertThat(ort.receipt().receipt().outputsDigest()).as("ONNX Runtime's bits are not the contract's: a member re-running"
                + " with it would convict").isNotEqualTo(answer.receipt().receipt().outputsDigest());
        try (ChainConnection reader = devnet.connect(0)) {
            BigInteger before = registry(reader).stakeOf(det.address());

            CommitteeDispute end = dispute(det, answer, ort.receipt().receipt().outputsDigest(),
                    new DisputeEvidence(answer.inputs(), answer.outputs()));

            assertThat(end.state()).isEqualTo(CommitteeDispute.State.NODE_WON);
            assertThat(registry(reader).stakeOf(det.address())).isEqualTo(before);
            CommitteeClient disputes = new CommitteeClient(reader, devnet.deployment().requireCommitteeDisputes());
            for (EvmAddress m : disputes.committee(end.id())) assertThat(disputes.voteOf(end.id(), m)).as("vote of %s", m).isEqualTo(1);
        }
    }
}
