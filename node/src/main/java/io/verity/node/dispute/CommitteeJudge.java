package io.verity.node.dispute;

import io.verity.chain.contracts.CommitteeDispute;
import io.verity.chain.contracts.ComparisonRule;
import io.verity.node.serve.Refusal;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.StrictJson;
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
import java.util.function.BiFunction;

/**
 * A committee member's judgement of a CommitteeDisputes dispute: fetches the evidence the challenger serves at the
 * dispute's inputs URI, uses it only when its inputs and outputs hash to the accused receipt's inputsDigest and
 * outputsDigest, re-runs the model on those inputs with its own copy, and says whether the accused outputs agree
 * with its own under the rule on chain. Whatever keeps it from judging the accused answer on the receipt's own
 * inputs (no evidence, evidence of another request, inputs the model refuses) counts for the node: a member never
 * votes to convict on anything but a re-run of the signed request.
 */
public final class CommitteeJudge {
    /** @param agrees the accused answer agrees with the member's re-run (the node is right); reason: one line for logs */
    public record Ruling(boolean agrees, String reason) {}

    static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);

    private final BiFunction<Keccak256, List<Tensor>, Optional<List<Tensor>>> rerun;
    private final long maxEvidenceBytes;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(FETCH_TIMEOUT).build();

    /**
     * @param rerun            this node's own outputs of a model (by digest) on inputs, empty when it lacks the model
     * @param maxEvidenceBytes the largest evidence document read (the node's --max-body-bytes): a larger one counts as
     *                         no evidence
     */
    public CommitteeJudge(BiFunction<Keccak256, List<Tensor>, Optional<List<Tensor>>> rerun, long maxEvidenceBytes) {
        this.rerun = rerun;
        this.maxEvidenceBytes = maxEvidenceBytes;
    }

    /** Empty when this member cannot judge (it lacks the model): it then does not vote. */
    public Optional<Ruling> judge(CommitteeDispute d) {
        if (d.rule() instanceof ComparisonRule.None) return Optional.of(new Ruling(true, "the model has no comparison rule"));
        DisputeEvidence evidence;
        try {
            evidence = fetch(d.inputsUri());
        } catch (IOException | IllegalArgumentException e) { // InvalidFieldException: malformed evidence
            return Optional.of(new Ruling(true, "no usable evidence at " + d.inputsUri() + " (" + e.getMessage() + "): not convicting"));
        }
        Optional<String> mismatch = evidence.mismatch(d.inputsDigest(), d.outputsDigest());
        if (mismatch.isPresent()) {
            return Optional.of(new Ruling(true, "evidence is not the receipt's: " + mismatch.get() + "; not convicting"));
        }
        Optional<List<Tensor>> mine;
        try {
            mine = rerun.apply(d.modelDigest(), evidence.inputs());
        } catch (Refusal e) {
            return Optional.of(new Ruling(true, "the model refuses the receipt's inputs (" + e.getMessage() + "): not convicting"));
        }
        if (mine.isEmpty()) return Optional.empty();
        boolean agrees = d.rule().agrees(evidence.outputs(), mine.get());
        return Optional.of(new Ruling(agrees, "re-ran " + d.modelDigest() + ": the accused outputs " + (agrees ? "agree" : "disagree")
                + " under " + d.rule().describe()));
    }

    private DisputeEvidence fetch(URI uri) throws IOException {
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
            return DisputeEvidence.read(StrictJson.standard().read(body));
        }
    }
}
