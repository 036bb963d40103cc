package io.verity.node.dispute;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.contracts.CommitteeDispute;
import io.verity.chain.contracts.ComparisonRule;
import io.verity.llm.ChatDigests;
import io.verity.llm.EmbeddingDigests;
import io.verity.llm.EmbeddingDisputeEvidence;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.node.serve.Refusal;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.VerificationMode;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import io.verity.protocol.wire.DisputeEvidence;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/**
 * A committee member's judgement without a chain: the evidence comes from a loopback server, the member's own
 * re-run is a fixed answer. Only evidence that hashes to the receipt's digests, re-run and found outside the rule,
 * convicts; everything else counts for the node.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class CommitteeJudgeTest {
    static final ComparisonRule RULE = ComparisonRule.Tolerance.of(1e-6, 1e-5);
    static final Keccak256 MODEL = Keccak256.hash(new byte[] {1});
    static final List<Tensor> INPUTS = List.of(Tensor.ofFloats("input", Shape.of(1, 3), 0.1f, 0.2f, 0.3f));
    static final List<Tensor> TRUTH = List.of(Tensor.ofFloats("output", Shape.of(1, 2), 0.5f, 0.25f));
    static final List<Tensor> CLOSE = List.of(Tensor.ofFloats("output", Shape.of(1, 2), 0.5000001f, 0.25f));
    static final List<Tensor> LIE = List.of(Tensor.ofFloats("output", Shape.of(1, 2), 0.5005f, 0.25f));
    static final Map<String, byte[]> served = new ConcurrentHashMap<>();
    static HttpServer server;

    @BeforeAll
    static void serve() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", x -> {
            byte[] body = served.get(x.getRequestURI().getPath());
            x.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) x.getResponseBody().write(body);
            x.close();
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    static URI at(String path, DisputeEvidence e) {
        served.put(path, e.write().toString().getBytes(StandardCharsets.UTF_8));
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** A dispute on a receipt of {@code inputs} answered with {@code outputs}, evidence at {@code uri}. */
    static CommitteeDispute dispute(List<Tensor> inputs, List<Tensor> outputs, URI uri) {
        return new CommitteeDispute(0, Keccak256.hash(new byte[] {2}), MODEL, TensorDigests.tensorsDigest(inputs),
                TensorDigests.tensorsDigest(outputs), Keccak256.hash(new byte[] {3}), EvmAddress.ZERO, EvmAddress.ZERO,
                BigInteger.ONE, uri, CommitteeDispute.State.VOTING, RULE, 1, 2, 3, 0, 0);
    }

    /** A member whose re-run of MODEL on INPUTS is TRUTH under any engine, and which is served no receipt. */
    static final CommitteeJudge judge = new CommitteeJudge((model, engine, inputs) -> model.equals(MODEL) && inputs.equals(INPUTS)
            ? Optional.of(TRUTH) : Optional.empty(), d -> Optional.empty(), 1 << 20);

    static CommitteeJudge.Ruling ruling(CommitteeJudge j, CommitteeDispute d) {
        return (CommitteeJudge.Ruling) j.judge(d);
    }

    @Test
    void an_answer_outside_the_rule_on_the_receipts_own_inputs_is_judged_wrong() {
        var r = ruling(judge, dispute(INPUTS, LIE, at("/lie", new DisputeEvidence(INPUTS, LIE))));
        assertThat(r.agrees()).as(r.reason()).isFalse();
        assertThat(r.reason()).endsWith("with this member's engine (the node did not serve its receipt): the accused outputs"
                + " disagree under tolerance:abs=1.0E-6,rel=1.0E-5");
    }

    @Test
    void an_answer_within_the_rule_is_judged_right() {
        var r = ruling(judge, dispute(INPUTS, CLOSE, at("/close", new DisputeEvidence(INPUTS, CLOSE))));
        assertThat(r.agrees()).as(r.reason()).isTrue();
    }

    @Test
    void evidence_whose_inputs_are_not_the_receipts_cannot_convict() {
        List<Tensor> other = List.of(Tensor.ofFloats("input", Shape.of(1, 3), 0.1f, 0.2f, 0.4f));
        var r = ruling(judge, dispute(INPUTS, LIE, at("/other", new DisputeEvidence(other, LIE))));
        assertThat(r.agrees()).isTrue();
        assertThat(r.reason()).startsWith("evidence is not the receipt's: inputs hash to ");
    }

    @Test
    void evidence_whose_outputs_are_not_the_accused_ones_cannot_convict() {
        var r = ruling(judge, dispute(INPUTS, LIE, at("/truth", new DisputeEvidence(INPUTS, TRUTH))));
        assertThat(r.agrees()).isTrue();
        assertThat(r.reason()).contains("outputs hash to ");
    }

    @Test
    void missing_or_unfetchable_evidence_cannot_convict() {
        URI missing = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/none");
        assertThat(ruling(judge, dispute(INPUTS, LIE, missing)).reason()).contains("HTTP 404");
        assertThat(ruling(judge, dispute(INPUTS, LIE, URI.create("file:///etc/passwd"))))
                .satisfies(r -> assertThat(r.agrees()).isTrue()).satisfies(r -> assertThat(r.reason()).contains("not an http(s) URI"));
        CommitteeJudge tiny = new CommitteeJudge((m, e, i) -> Optional.of(TRUTH), d -> Optional.empty(), 10);
        assertThat(ruling(tiny, dispute(INPUTS, LIE, at("/big", new DisputeEvidence(INPUTS, LIE)))).reason())
                .contains("larger than 10 bytes");
    }

    @Test
    void a_member_without_the_model_does_not_judge() {
        CommitteeJudge without = new CommitteeJudge((m, e, i) -> Optional.empty(), d -> Optional.empty(), 1 << 20);
        assertThat(without.judge(dispute(INPUTS, LIE, at("/lie2", new DisputeEvidence(INPUTS, LIE)))))
                .isEqualTo(new CommitteeJudge.Abstention("model " + MODEL + " not held"));
    }

    @Test
    void a_member_whose_re_run_is_stopped_at_its_run_limit_abstains() {
        CommitteeJudge slow = new CommitteeJudge((m, e, i) -> {
            throw new Refusal(Refusal.Reason.RUN_TOO_LONG, "the model ran longer than this node's limit of 5 ms (--max-run-ms)", List.of());
        }, d -> Optional.empty(), 1 << 20);
        assertThat(slow.judge(dispute(INPUTS, LIE, at("/slow", new DisputeEvidence(INPUTS, LIE)))))
                .isEqualTo(new CommitteeJudge.Abstention("re-running " + MODEL + " was stopped: the model ran longer than this node's limit of 5 ms (--max-run-ms)"));
    }

    /** The accused receipt of {@code d}, signed by a node key, naming {@code engine}. */
    static SignedReceipt receiptOf(CommitteeDispute d, String engine) {
        var key = io.verity.protocol.crypto.NodeKey.fromPrivateKey("0x" + "07".repeat(32));
        return SignedReceipt.sign(new Receipt(1, Keccak256.hash(new byte[] {9}), MODEL, engine, d.inputsDigest(), d.outputsDigest(),
                Receipt.TRACE_ON_CHALLENGE, key.address(), Keccak256.ZERO, VerificationMode.NONE, BigInteger.ZERO, 1_764_000_000_000L),
                Eip712Domain.verity(31337, EvmAddress.ZERO), key);
    }

    /** {@code d} with the receipt id of {@code r}, as the contract records it. */
    static CommitteeDispute naming(CommitteeDispute d, SignedReceipt r) {
        return new CommitteeDispute(d.id(), r.id(), d.modelDigest(), d.inputsDigest(), d.outputsDigest(), d.challengerOutputs(), d.node(),
                d.challenger(), d.bond(), d.inputsUri(), d.state(), d.rule(), d.drawBlock(), d.commitDeadline(), d.revealDeadline(),
                d.committed(), d.revealed());
    }

    @Test
    void a_member_re_runs_under_the_engine_the_disputed_receipt_names_and_abstains_by_name_on_one_it_cannot_run() {
        CommitteeDispute base = dispute(INPUTS, LIE, at("/det", new DisputeEvidence(INPUTS, LIE)));
        SignedReceipt det2 = receiptOf(base, "verity-det/2");
        List<Optional<String>> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        CommitteeJudge member = new CommitteeJudge((m, engine, i) -> {
            asked.add(engine);
            if (engine.equals(Optional.of("verity-det/9"))) {
                throw new Refusal(Refusal.Reason.MODEL_UNLOADABLE, "verity-det/9 is no deterministic contract this node computes", List.of());
            }
            return Optional.of(TRUTH);
        }, d -> Optional.of(d.receiptId().equals(det2.id()) ? det2 : receiptOf(base, "verity-det/9")), 1 << 20);

        var r = ruling(member, naming(base, det2));
        assertThat(r.agrees()).isFalse();
        assertThat(r.reason()).contains("under the receipt's engine verity-det/2");
        assertThat(asked).containsExactly(Optional.of("verity-det/2"));

        SignedReceipt det9 = receiptOf(base, "verity-det/9");
        assertThat(member.judge(naming(base, det9))).isEqualTo(new CommitteeJudge.Abstention("cannot re-run " + MODEL
                + ": verity-det/9 is no deterministic contract this node computes"));

        // a receipt the node serves under the disputed id but that hashes to another one is not the receipt: not used
        asked.clear();
        CommitteeJudge fooled = new CommitteeJudge((m, engine, i) -> {
            asked.add(engine);
            return Optional.of(TRUTH);
        }, d -> Optional.of(det9), 1 << 20);
        assertThat(ruling(fooled, naming(base, det2)).reason()).contains("the node did not serve its receipt");
        assertThat(asked).containsExactly(Optional.empty());
    }

    /** An embeddings request, the settings its node applied, and answers to it: the truth, one in the rule, a lie. */
    static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    static final ObjectNode REQUEST = JSON.createObjectNode().put("model", "all-MiniLM-L6-v2").put("input", "Judge me");
    static final ObjectNode APPLIED = JSON.createObjectNode().put("engine", "onnxruntime/1.22").put("max_tokens", 256);
    static final List<Tensor> VECTORS = EmbeddingDigests.outputs(new float[][] {{0.5f, 0.25f}}, 4);
    static final List<Tensor> VECTORS_LIE = EmbeddingDigests.outputs(new float[][] {{0.5005f, 0.25f}}, 4);

    /** A dispute on an embeddings receipt of REQUEST answered with {@code outputs}, evidence at {@code uri}. */
    static CommitteeDispute embeddingsDispute(List<Tensor> outputs, URI uri) {
        return new CommitteeDispute(0, Keccak256.hash(new byte[] {4}), MODEL, ChatDigests.request(EmbeddingDigests.PATH, REQUEST,
                APPLIED), TensorDigests.tensorsDigest(outputs), Keccak256.hash(new byte[] {3}), EvmAddress.ZERO, EvmAddress.ZERO,
                BigInteger.ONE, uri, CommitteeDispute.State.VOTING, RULE, 1, 2, 3, 0, 0);
    }

    static URI at(String path, EmbeddingDisputeEvidence e) {
        served.put(path, e.write().toString().getBytes(StandardCharsets.UTF_8));
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** A member that embeds REQUEST as VECTORS, and serves no tensor model. */
    static final CommitteeJudge embedder = new CommitteeJudge((m, e, i) -> Optional.empty(),
            (model, engine, request) -> model.equals(MODEL) && request.equals(REQUEST) ? Optional.of(VECTORS) : Optional.empty(),
            d -> Optional.empty(), 1 << 20);

    @Test
    void an_embeddings_answer_is_judged_by_re_embedding_its_request_lies_convicted_honest_answers_cleared() {
        var lie = ruling(embedder, embeddingsDispute(VECTORS_LIE, at("/e-lie", new EmbeddingDisputeEvidence(REQUEST, APPLIED, VECTORS_LIE))));
        assertThat(lie.agrees()).as(lie.reason()).isFalse();
        var honest = ruling(embedder, embeddingsDispute(VECTORS, at("/e-truth", new EmbeddingDisputeEvidence(REQUEST, APPLIED, VECTORS))));
        assertThat(honest.agrees()).as(honest.reason()).isTrue();
        assertThat(honest.reason()).contains("the accused outputs agree");
    }

    @Test
    void embeddings_evidence_of_another_request_or_settings_cannot_convict_nor_can_tensor_evidence_of_it() {
        ObjectNode other = REQUEST.deepCopy().put("input", "Judge someone else");
        var r = ruling(embedder, embeddingsDispute(VECTORS_LIE, at("/e-other", new EmbeddingDisputeEvidence(other, APPLIED, VECTORS_LIE))));
        assertThat(r.agrees()).isTrue();
        assertThat(r.reason()).startsWith("evidence is not the receipt's: request and applied hash to ");
        ObjectNode applied = APPLIED.deepCopy().put("max_tokens", 8);
        assertThat(ruling(embedder, embeddingsDispute(VECTORS_LIE, at("/e-applied", new EmbeddingDisputeEvidence(REQUEST, applied,
                VECTORS_LIE)))).agrees()).isTrue();
        assertThat(ruling(embedder, embeddingsDispute(VECTORS_LIE, at("/e-tensors", new DisputeEvidence(INPUTS, VECTORS_LIE)))).agrees())
                .isTrue();
        served.put("/e-bad", "{\"request\":{},\"applied\":{},\"outputs\":[],\"extra\":1}".getBytes(StandardCharsets.UTF_8));
        URI bad = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/e-bad");
        assertThat(ruling(embedder, embeddingsDispute(VECTORS_LIE, bad)).reason()).contains("/extra");
    }

    @Test
    void a_member_that_does_not_serve_the_embedding_model_abstains() {
        assertThat(judge.judge(embeddingsDispute(VECTORS_LIE, at("/e-none", new EmbeddingDisputeEvidence(REQUEST, APPLIED, VECTORS_LIE)))))
                .isEqualTo(new CommitteeJudge.Abstention("model " + MODEL + " not held"));
    }
}
