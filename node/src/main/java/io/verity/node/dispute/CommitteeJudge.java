package io.verity.node.dispute;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.contracts.CommitteeDispute;
import io.verity.chain.contracts.ComparisonRule;
import io.verity.llm.EmbeddingDisputeEvidence;
import io.verity.node.serve.Refusal;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.StrictJson;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.wire.DisputeEvidence;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A committee member's judgement of a CommitteeDisputes dispute: fetches the evidence the challenger serves at the
 * dispute's inputs URI, uses it only when its inputs and outputs hash to the accused receipt's inputsDigest and
 * outputsDigest, re-runs the model on those inputs with its own copy, and says whether the accused outputs agree
 * with its own under the rule on chain. Whatever keeps it from judging the accused answer on the receipt's own
 * inputs (no evidence, evidence of another request, inputs the model refuses) counts for the node: a member never
 * votes to convict on anything but a re-run of the signed request.
 *
 * <p>The re-run is under the engine the accused receipt names (the chain keeps only its id, so the receipt comes
 * from the accused node, used only when it hashes to that id): a deterministic contract's receipt is recomputed
 * under that contract, whatever engine the member serves the model with, and one naming a contract the member
 * does not compute is not judged (the member abstains, saying which). A node that does not serve its receipt is
 * judged with the member's own engine, as before receipts were read.
 *
 * <p>An embeddings receipt's evidence is in the second form, {@link EmbeddingDisputeEvidence} (the JSON request and
 * the node's {@code applied} settings, which its inputsDigest covers): the member re-embeds that request as its own
 * {@code /v1/embeddings} route would ({@link EmbeddingRerun}) and compares the answer tensors under the same rule.
 */
public final class CommitteeJudge {
    /** What a member makes of a dispute: a vote, or no vote. */
    public sealed interface Judgement permits Ruling, Abstention {
        String reason();
    }

    /** @param agrees the accused answer agrees with the member's re-run (the node is right); reason: one line for logs */
    public record Ruling(boolean agrees, String reason) implements Judgement {}

    /** The member cannot judge (it lacks the model, or cannot run the receipt's engine) and does not vote. */
    public record Abstention(String reason) implements Judgement {}

    /** How a member re-runs a model. */
    @FunctionalInterface
    public interface Rerun {
        /**
         * This member's outputs of model {@code model} on {@code inputs}, under {@code engine} (the accused receipt's
         * engine id, empty when it is unknown); empty when the member lacks the model.
         *
         * @throws Refusal INVALID_INPUT when the model refuses the inputs, MODEL_UNLOADABLE when the member cannot run
         *     that engine
         */
        Optional<List<Tensor>> run(Keccak256 model, Optional<String> engine, List<Tensor> inputs);
    }

    /** How a member re-embeds an embeddings request ({@code POST /v1/embeddings}) as its route does. */
    @FunctionalInterface
    public interface EmbeddingRerun {
        /**
         * This member's answer tensors (embeddings, usage) of model {@code model} to embeddings request {@code request},
         * under {@code engine} as {@link Rerun#run}; empty when the member does not serve the model on that route.
         *
         * @throws Refusal as {@link Rerun#run}
         */
        Optional<List<Tensor>> run(Keccak256 model, Optional<String> engine, ObjectNode request);

        /** A member that serves no embeddings. */
        EmbeddingRerun NONE = (model, engine, request) -> Optional.empty();
    }

    /**
     * Evidence that matched the receipt, in either form: the accused outputs, and this member's re-run of the same
     * request under an engine.
     */
    private record Shown(List<Tensor> accused, Function<Optional<String>, Optional<List<Tensor>>> rerun) {}

    static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);

    private final Rerun rerun;
    private final EmbeddingRerun embeddings;
    private final Function<CommitteeDispute, Optional<SignedReceipt>> receipts;
    private final long maxEvidenceBytes;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(FETCH_TIMEOUT).build();

    /**
     * @param rerun            this node's own outputs of a model on inputs
     * @param receipts         the accused receipt as its node serves it (empty when it does not); checked against the
     *                         dispute's receipt id here
     * @param maxEvidenceBytes the largest evidence document read (the node's --max-body-bytes): a larger one counts as
     *                         no evidence
     */
    public CommitteeJudge(Rerun rerun, Function<CommitteeDispute, Optional<SignedReceipt>> receipts, long maxEvidenceBytes) {
        this(rerun, EmbeddingRerun.NONE, receipts, maxEvidenceBytes);
    }

    /** @param embeddings this node's own answer to an embeddings request, for evidence in that form */
    public CommitteeJudge(Rerun rerun, EmbeddingRerun embeddings, Function<CommitteeDispute, Optional<SignedReceipt>> receipts,
            long maxEvidenceBytes) {
        this.rerun = rerun;
        this.embeddings = embeddings;
        this.receipts = receipts;
        this.maxEvidenceBytes = maxEvidenceBytes;
    }

    public Judgement judge(CommitteeDispute d) {
        if (d.rule() instanceof ComparisonRule.None) return new Ruling(true, "the model has no comparison rule");
        Shown evidence;
        try {
            JsonNode doc = fetch(d.inputsUri());
            Optional<String> mismatch;
            if (EmbeddingDisputeEvidence.isOne(doc)) { // an embeddings receipt: its request, not tensors
                EmbeddingDisputeEvidence e = EmbeddingDisputeEvidence.read(doc);
                mismatch = e.mismatch(d.inputsDigest(), d.outputsDigest());
                evidence = new Shown(e.outputs(), engine -> embeddings.run(d.modelDigest(), engine, e.request()));
            } else {
                DisputeEvidence e = DisputeEvidence.read(doc);
                mismatch = e.mismatch(d.inputsDigest(), d.outputsDigest());
                evidence = new Shown(e.outputs(), engine -> rerun.run(d.modelDigest(), engine, e.inputs()));
            }
            if (mismatch.isPresent()) {
                return new Ruling(true, "evidence is not the receipt's: " + mismatch.get() + "; not convicting");
            }
        } catch (IOException | IllegalArgumentException e) { // InvalidFieldException: malformed evidence
            return new Ruling(true, "no usable evidence at " + d.inputsUri() + " (" + e.getMessage() + "): not convicting");
        }
        // only the receipt the dispute names: another one of the node's could name another engine
        Optional<String> engine = receipts.apply(d).filter(r -> r.id().equals(d.receiptId())).map(r -> r.receipt().engine());
        String under = engine.map(e -> " under the receipt's engine " + e).orElse(" with this member's engine (the node did not"
                + " serve its receipt)");
        Optional<List<Tensor>> mine;
        try {
            mine = evidence.rerun().apply(engine);
        } catch (Refusal e) {
            if (e.reason() == Refusal.Reason.MODEL_UNLOADABLE) return new Abstention("cannot re-run " + d.modelDigest() + ": " + e.getMessage());
            // evidence whose run outlasts this member's limit tells nothing either way: neither convict nor clear
            if (e.reason() == Refusal.Reason.RUN_TOO_LONG) return new Abstention("re-running " + d.modelDigest() + " was stopped: " + e.getMessage());
            return new Ruling(true, "the model refuses the receipt's inputs (" + e.getMessage() + "): not convicting");
        }
        if (mine.isEmpty()) return new Abstention("model " + d.modelDigest() + " not held");
        boolean agrees = d.rule().agrees(evidence.accused(), mine.get());
        return new Ruling(agrees, "re-ran " + d.modelDigest() + under + ": the accused outputs " + (agrees ? "agree" : "disagree")
                + " under " + d.rule().describe());
    }

    /** The evidence document at {@code uri}, read strictly (either form). */
    private JsonNode fetch(URI uri) throws IOException {
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("not an http(s) URI");
        }
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(FETCH_TIMEOUT).GET().build();
        HttpResponse<InputStream> resp;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        try (InputStream in = resp.body()) {
            if (resp.statusCode() != 200) throw new IOException("HTTP " + resp.statusCode());
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxEvidenceBytes + 1));
            if (body.length > maxEvidenceBytes) throw new IOException("larger than " + maxEvidenceBytes + " bytes");
            return StrictJson.standard().read(body);
        }
    }
}
