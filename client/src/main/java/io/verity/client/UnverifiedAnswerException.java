package io.verity.client;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.util.Objects;
import java.util.Optional;

/**
 * An answer arrived but one of its checks failed, so it is not returned: the client fails closed. The exception
 * names the {@link Check}, and the receipt and node it concerns when the check is about one receipt. Retrying
 * the same server may give the same bad answer; the receipt is evidence against its node.
 */
public final class UnverifiedAnswerException extends InferenceException {
    /** The checks an answer must pass, in the order {@link VerityClient} runs them. */
    public enum Check {
        /** The 200 body is a well-formed node or gateway answer (outputs, receipts, verdict, payments). */
        RESPONSE_FORMAT,
        /** The answer was produced under the policy the client asked for (no silent downgrade). */
        POLICY,
        /** The answer's requestId, and every receipt's, is the one the client sent. */
        REQUEST_ID,
        /** The receipt was signed under the trusted EIP-712 domain (or the pinned chain id). */
        DOMAIN,
        /** The signature is well-formed, low-s, and recovers the receipt's node (protocol ReceiptVerdict). */
        SIGNATURE,
        /** The receipt's inputsDigest is the digest of the inputs this client sent. */
        INPUTS_DIGEST,
        /** All receipts name one model. */
        MODEL_DIGEST,
        /**
         * The model served is the one asked for (receipt v2: requested and served model, unless the request
         * allowed a substitution) and, when the request pinned one, the pinned model digest.
         */
        SUBSTITUTION,
        /** receipts[0].outputsDigest is the digest of the returned outputs. */
        OUTPUTS_DIGEST,
        /** No node signed twice: k receipts are k independent answers only from k signers. */
        DISTINCT_SIGNERS,
        /** redundant:k returned at least a majority (k/2 + 1) of receipts, and at most k. */
        QUORUM,
        /** Under a bit-exact verdict every receipt signed the same outputsDigest. */
        AGREEMENT,
        /** On chain: the receipt's domain is the deployment's chain id and Settlement contract. */
        CHAIN_DOMAIN,
        /** On chain: NodeRegistry says the signer is registered and staked. */
        NODE_STAKED,
        /** On chain: the inclusion proof holds and Settlement.verifyReceipt accepts the receipt. */
        INCLUSION
    }

    private final Check check;
    private final transient Keccak256 receiptId;
    private final transient EvmAddress node;

    UnverifiedAnswerException(Check check, Keccak256 receiptId, EvmAddress node, String reason) {
        super(check + (receiptId == null ? "" : " of receipt " + receiptId + (node == null ? "" : " from node " + node))
                + ": " + reason, null);
        this.check = Objects.requireNonNull(check, "check");
        this.receiptId = receiptId;
        this.node = node;
    }

    UnverifiedAnswerException(Check check, String reason) {
        this(check, null, null, reason);
    }

    public Check check() {
        return check;
    }

    /** The receipt that failed, when the check is about one receipt. */
    public Optional<Keccak256> receiptId() {
        return Optional.ofNullable(receiptId);
    }

    /** The node whose receipt failed, when known. */
    public Optional<EvmAddress> node() {
        return Optional.ofNullable(node);
    }
}
