package io.verity.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.protocol.Checks;
import io.verity.protocol.Keccak256;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import io.verity.protocol.wire.InclusionProof;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A client of one Verity node or gateway that returns only answers it has verified itself. Usage:
 * <pre>{@code
 * try (VerityClient verity = VerityClient.builder(URI.create("http://127.0.0.1:7070"))
 *         .trust(Eip712Domain.verity(chainId, settlement)).build()) {
 *     VerifiedAnswer a = verity.infer("silero-vad", inputs, Policy.NONE);
 * }}</pre>
 * Every {@code infer} sends a fresh random request id (or the caller's), the inputs in their exact binary form,
 * and the policy in the {@code Verity-Policy} header (a node ignores it and answers alone, which then fails the
 * POLICY check unless the policy was none). The answer is checked as {@link UnverifiedAnswerException.Check}
 * lists; an answer that fails any check is thrown, never returned. Thread-safe; close it to release the HTTP
 * client.
 */
public final class VerityClient implements AutoCloseable {
    static final ObjectMapper JSON = NodeApiClient.JSON;
    /** The gateway's policy header (docs/gateway.md); a node does not accept a {@code policy} body field. */
    static final String POLICY_HEADER = "Verity-Policy";

    private final NodeApiClient api;
    private final AnswerChecks checks;
    private final SecureRandom random = new SecureRandom();

    private VerityClient(Builder b) {
        this.api = NodeApiClient.of(b.base, b.timeout);
        this.checks = new AnswerChecks(b.trusted, b.chainId);
    }

    /** A builder for a client of the node or gateway at {@code base}, e.g. {@code http://127.0.0.1:7070}. */
    public static Builder builder(URI base) {
        return new Builder(base);
    }

    /** The node or gateway this client calls. */
    public URI base() {
        return api.base();
    }

    /**
     * Runs {@code model} on {@code inputs} under {@code policy} with a fresh random request id.
     *
     * @throws UnverifiedAnswerException an answer came back and failed a check
     * @throws ProblemException the server refused the request (problem+json 4xx/5xx)
     * @throws UnreachableException no answer within the timeout
     */
    public VerifiedAnswer infer(String model, List<Tensor> inputs, Policy policy) {
        byte[] id = new byte[Keccak256.LENGTH];
        random.nextBytes(id);
        return infer(model, inputs, policy, Keccak256.wrap(id));
    }

    /**
     * {@link #infer(String, List, Policy)} with the caller's request id, e.g. to retry a request after an
     * {@link UnreachableException} so the server can recognise it.
     */
    public VerifiedAnswer infer(String model, List<Tensor> inputs, Policy policy, Keccak256 requestId) {
        Checks.nonNull("model", model, "inputs", inputs, "policy", policy, "requestId", requestId);
        List<Tensor> sent = List.copyOf(inputs);
        JsonNode answer = api.post("/v1/infer", NodeApiClient.inferBody(model, sent, Optional.of(requestId)),
                Map.of(POLICY_HEADER, policy.wireName()));
        return checks.verify(WireAnswer.read(answer), policy, requestId, TensorDigests.tensorsDigest(sent));
    }

    /**
     * The inclusion proof of {@code receipt}, from this node, or from this gateway for the receipt's node
     * ({@code GET /v1/receipts/{id}/proof?node=0x…}; a node ignores the query). Empty while the receipt is not
     * settled on chain (404). The proof is only read here; {@code OnChainVerifier} checks it.
     *
     * @throws UnverifiedAnswerException RESPONSE_FORMAT when the proof is malformed or for another receipt
     */
    public Optional<InclusionProof> proof(SignedReceipt receipt) {
        Keccak256 id = receipt.id();
        Optional<InclusionProof> proof = api.proof(id, receipt.receipt().node());
        if (proof.isPresent() && !proof.get().receiptId().equals(id)) {
            throw new UnverifiedAnswerException(UnverifiedAnswerException.Check.INCLUSION, id, receipt.receipt().node(),
                    "asked for the proof of " + id + ", got one for " + proof.get().receiptId());
        }
        return proof;
    }

    @Override
    public void close() {
        api.close();
    }

    /** Settings of a {@link VerityClient}; every one has a default. */
    public static final class Builder {
        private final URI base;
        private Eip712Domain trusted;
        private OptionalLong chainId = OptionalLong.empty();
        private Duration timeout = Duration.ofSeconds(30);

        private Builder(URI base) {
            Objects.requireNonNull(base, "base");
            if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
                throw new IllegalArgumentException("base must be an http or https URL, got " + base);
            }
            this.base = base;
        }

        /**
         * The domain every receipt must be signed under: Verity, the chain id and the Settlement contract the
         * caller settles on. Default: none, so each receipt's own Verity domain is accepted (all receipts of
         * one answer must share it), which proves who signed but not for which chain; pin at least the chain
         * with {@link #chainId(long)}.
         */
        public Builder trust(Eip712Domain domain) {
            this.trusted = Objects.requireNonNull(domain, "domain");
            return this;
        }

        /** Without {@link #trust}: accept only receipts signed for this chain id. */
        public Builder chainId(long id) {
            if (id < 0) throw new IllegalArgumentException("chainId must be >= 0, got " + id);
            this.chainId = OptionalLong.of(id);
            return this;
        }

        /**
         * How long to wait to connect and then for each answer. Default 30 s; a gateway running
         * {@code redundant:k} answers only when its slowest needed node has.
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder timeout(Duration t) {
            Objects.requireNonNull(t, "timeout");
            if (t.isNegative() || t.isZero()) throw new IllegalArgumentException("timeout must be positive, got " + t);
            this.timeout = t;
            return this;
        }

        public VerityClient build() {
            if (trusted != null && chainId.isPresent() && trusted.chainId() != chainId.getAsLong()) {
                throw new IllegalStateException("trust(" + trusted + ") and chainId(" + chainId.getAsLong() + ") disagree");
            }
            return new VerityClient(this);
        }
    }
}
