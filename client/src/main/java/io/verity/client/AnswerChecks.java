package io.verity.client;

import io.verity.client.UnverifiedAnswerException.Check;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.wire.AnswerVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.TensorDigests;
import java.util.HashSet;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The checks that turn a {@link WireAnswer} into a {@link VerifiedAnswer}, in the order of
 * {@link Check}: the first that fails throws. Everything is recomputed from what the client itself holds (the
 * inputs it sent, the request id it chose, the domain it trusts), never taken from the server's word.
 */
final class AnswerChecks {
    /** The domain receipts must be signed under, or empty to accept each receipt's own Verity domain. */
    private final Eip712Domain trusted;
    private final OptionalLong pinnedChainId;

    AnswerChecks(Eip712Domain trusted, OptionalLong pinnedChainId) {
        this.trusted = trusted;
        this.pinnedChainId = pinnedChainId;
    }

    VerifiedAnswer verify(WireAnswer a, Policy asked, Keccak256 sentRequestId, Keccak256 sentInputsDigest) {
        // A gateway that answers redundant:2 with one node's word has not done what it was asked.
        if (!a.policy().equals(asked)) {
            throw new UnverifiedAnswerException(Check.POLICY, "asked for " + asked.wireName() + ", the answer was produced under "
                    + a.policy().wireName());
        }
        AnswerVerdict.Status expected = switch (asked) {
            case Policy.None n -> AnswerVerdict.Status.SINGLE;
            case Policy.Redundant r -> a.verdict().status() == AnswerVerdict.Status.MAJORITY ? AnswerVerdict.Status.MAJORITY : AnswerVerdict.Status.AGREED;
            case Policy.Sample s -> AnswerVerdict.Status.SAMPLED;
            case Policy.Tee t -> AnswerVerdict.Status.SINGLE;
        };
        if (a.verdict().status() != expected) {
            throw new UnverifiedAnswerException(Check.POLICY, "verdict.status " + a.verdict().status().wireName()
                    + " does not fit policy " + asked.wireName());
        }
        if (!a.requestId().equals(sentRequestId)) {
            throw new UnverifiedAnswerException(Check.REQUEST_ID, "sent requestId " + sentRequestId + ", the answer is for " + a.requestId());
        }
        Eip712Domain first = a.receipts().getFirst().domain();
        for (SignedReceipt r : a.receipts()) checkReceipt(r, first, sentRequestId, sentInputsDigest);

        SignedReceipt lead = a.receipts().getFirst();
        Keccak256 model = lead.receipt().modelDigest();
        for (SignedReceipt r : a.receipts()) {
            if (!r.receipt().modelDigest().equals(model)) {
                throw fail(Check.MODEL_DIGEST, r, "modelDigest " + r.receipt().modelDigest() + ", receipts[0] has " + model);
            }
        }
        Keccak256 outputs = TensorDigests.tensorsDigest(a.outputs());
        if (!lead.receipt().outputsDigest().equals(outputs)) {
            throw fail(Check.OUTPUTS_DIGEST, lead, "receipt signed outputsDigest " + lead.receipt().outputsDigest()
                    + ", the returned outputs hash to " + outputs);
        }
        Set<EvmAddress> signers = new HashSet<>();
        for (SignedReceipt r : a.receipts()) {
            if (!signers.add(r.receipt().node())) {
                throw fail(Check.DISTINCT_SIGNERS, r, "node " + r.receipt().node() + " signed more than one of the "
                        + a.receipts().size() + " receipts; k answers count only from k nodes");
            }
        }
        int n = a.receipts().size();
        switch (asked) {
            case Policy.Redundant r -> {
                if (n < r.quorum() || n > r.k()) {
                    throw new UnverifiedAnswerException(Check.QUORUM, asked.wireName() + " needs between " + r.quorum()
                            + " and " + r.k() + " agreeing receipts, got " + n);
                }
            }
            case Policy.None p -> requireOne(n, asked);
            case Policy.Sample p -> requireOne(n, asked);
            case Policy.Tee p -> {
                requireOne(n, asked);
                // The gateway vouches for the evidence; a signer that committed to none cannot be a TEE answer.
                if (lead.receipt().attestationDigest().isZero()) {
                    throw fail(Check.POLICY, lead, "policy tee but the receipt's attestationDigest is zero (no evidence)");
                }
            }
        }
        if (a.verdict().agreeing() != n) {
            throw new UnverifiedAnswerException(Check.QUORUM, "verdict claims " + a.verdict().agreeing()
                    + " agreeing nodes but carries " + n + " receipts");
        }
        if (a.verdict().comparison() instanceof AnswerVerdict.Comparison.BitExact) {
            for (SignedReceipt r : a.receipts()) {
                if (!r.receipt().outputsDigest().equals(lead.receipt().outputsDigest())) {
                    throw fail(Check.AGREEMENT, r, "verdict says bit-exact but this receipt signed outputsDigest "
                            + r.receipt().outputsDigest() + ", receipts[0] signed " + lead.receipt().outputsDigest());
                }
            }
        }
        return new VerifiedAnswer(a.requestId(), a.policy(), a.outputs(), a.receipts(), a.verdict(), a.payments());
    }

    private void checkReceipt(SignedReceipt r, Eip712Domain first, Keccak256 sentRequestId, Keccak256 sentInputsDigest) {
        if (!r.receipt().requestId().equals(sentRequestId)) {
            throw fail(Check.REQUEST_ID, r, "receipt is for requestId " + r.receipt().requestId() + ", the client sent " + sentRequestId);
        }
        ReceiptVerdict v;
        if (trusted != null) {
            v = r.verify(trusted);
        } else {
            Eip712Domain d = r.domain();
            if (!d.name().equals(Eip712Domain.NAME) || !d.version().equals(Eip712Domain.VERSION)) {
                throw fail(Check.DOMAIN, r, "receipt is signed under " + d + ", not a Verity v" + Eip712Domain.VERSION + " domain");
            }
            if (pinnedChainId.isPresent() && d.chainId() != pinnedChainId.getAsLong()) {
                throw fail(Check.DOMAIN, r, "receipt is signed for chain " + d.chainId() + ", expected chain " + pinnedChainId.getAsLong());
            }
            if (!d.equals(first)) {
                throw fail(Check.DOMAIN, r, "receipts are signed under different domains: " + d + " and " + first);
            }
            v = r.verify();
        }
        if (v instanceof ReceiptVerdict.Invalid inv) {
            throw fail(inv.check() == ReceiptVerdict.Check.DOMAIN ? Check.DOMAIN : Check.SIGNATURE, r,
                    inv.check() + ": " + inv.reason());
        }
        if (!r.receipt().inputsDigest().equals(sentInputsDigest)) {
            throw fail(Check.INPUTS_DIGEST, r, "receipt signed inputsDigest " + r.receipt().inputsDigest()
                    + ", the inputs this client sent hash to " + sentInputsDigest);
        }
    }

    private static void requireOne(int n, Policy asked) {
        if (n != 1) {
            throw new UnverifiedAnswerException(Check.QUORUM, asked.wireName() + " answers carry exactly one receipt, got " + n);
        }
    }

    private static UnverifiedAnswerException fail(Check check, SignedReceipt r, String reason) {
        return new UnverifiedAnswerException(check, r.id(), r.receipt().node(), reason);
    }
}
