package io.verity.protocol.receipt;

import io.verity.protocol.Checks;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.Unicode;
import java.math.BigInteger;
import java.util.regex.Pattern;

/**
 * What receipt format 2 adds to the v1 fields (docs/receipts.md): the EIP-712 struct {@link #EIP712_TYPE}, which
 * nests the v1 {@link Receipt} struct and appends these. Variable strings are signed as {@code bytes32}
 * keccak256 hashes of their UTF-8 bytes (what EIP-712 does for a {@code string}), so the contracts take fixed
 * words; the JSON carries the strings, so a reader sees the names and recomputes the hashes.
 *
 * @param requestedModel the model the client asked for (the request's {@code model}, as written)
 * @param servedModel the model that answered, as the one that ran it reported it: for a provider proxy the
 *     upstream's {@code model}, for a node its own model name
 * @param provider where the model ran: a proxy's upstream base URL, "" when the signing node ran it itself
 * @param promptTokens input tokens (0 where the route has no tokens), at most {@link #MAX_TOKENS}
 * @param completionTokens output tokens, at most {@link #MAX_TOKENS}
 * @param payer the account paying for the answer, {@link EvmAddress#ZERO} when unpaid
 * @param cumulativeAmount what the payer's vouchers held by the node covered when it signed, wei (uint256)
 * @param prevReceipt the receipt this one follows (a failover or another node of the same request),
 *     {@link Keccak256#ZERO} for none
 * @param attachmentsDigest keccak256 over the answer's non-tensor attachments, {@link Keccak256#ZERO} for none
 */
public record ReceiptV2(
        String requestedModel,
        String servedModel,
        String provider,
        long promptTokens,
        long completionTokens,
        EvmAddress payer,
        BigInteger cumulativeAmount,
        Keccak256 prevReceipt,
        Keccak256 attachmentsDigest) {

    /**
     * The request header naming the receipt an answer follows, which the node signs as {@link #prevReceipt}: a
     * gateway sends it when it asks a node after another one signed for the same request.
     */
    public static final String PREV_RECEIPT_HEADER = "Verity-Prev-Receipt";

    /** The receipt format number of a v2 receipt, its {@link Receipt#version()}. */
    public static final int VERSION = 2;

    /** The EIP-712 type string: the primary type, then the nested v1 struct (EIP-712 orders referenced types by name). */
    public static final String EIP712_TYPE = "ReceiptV2(Receipt receipt,bytes32 requestedModel,bytes32 servedModel,"
            + "bytes32 provider,uint64 promptTokens,uint64 completionTokens,address payer,uint256 cumulativeAmount,"
            + "bytes32 prevReceipt,bytes32 attachmentsDigest)" + Receipt.EIP712_TYPE;

    /**
     * The most tokens a count may say, 2^53 - 1: a uint64 on chain, but a JSON number JavaScript reads exactly
     * (Number.MAX_SAFE_INTEGER), so the TypeScript SDK hashes what Java signed.
     */
    public static final long MAX_TOKENS = (1L << 53) - 1;

    /** A dated snapshot suffix providers append to an alias: -2024-07-18, -20240718, -0613. */
    private static final Pattern SNAPSHOT = Pattern.compile("-(\\d{4}-\\d{2}-\\d{2}|\\d{8}|\\d{4})");

    public ReceiptV2 {
        Checks.nonNull("requestedModel", requestedModel, "servedModel", servedModel, "provider", provider,
                "payer", payer, "cumulativeAmount", cumulativeAmount, "prevReceipt", prevReceipt,
                "attachmentsDigest", attachmentsDigest);
        for (String s : new String[] {requestedModel, servedModel, provider}) {
            if (!Unicode.isWellFormed(s)) {
                throw new IllegalArgumentException("requestedModel, servedModel and provider must be valid Unicode, got an unpaired surrogate");
            }
        }
        Checks.inRange("promptTokens", promptTokens, 0, MAX_TOKENS);
        Checks.inRange("completionTokens", completionTokens, 0, MAX_TOKENS);
        if (cumulativeAmount.signum() < 0 || cumulativeAmount.bitLength() > 256) {
            throw new IllegalArgumentException("cumulativeAmount must be a uint256 (0 <= x < 2^256), got " + cumulativeAmount);
        }
    }

    /** A served model with no payment, predecessor or attachments recorded. */
    public static ReceiptV2 served(String requestedModel, String servedModel, String provider, long promptTokens,
            long completionTokens) {
        return new ReceiptV2(requestedModel, servedModel, provider, promptTokens, completionTokens, EvmAddress.ZERO,
                BigInteger.ZERO, Keccak256.ZERO, Keccak256.ZERO);
    }

    public ReceiptV2 withPayment(EvmAddress payer, BigInteger cumulativeAmount) {
        return new ReceiptV2(requestedModel, servedModel, provider, promptTokens, completionTokens, payer,
                cumulativeAmount, prevReceipt, attachmentsDigest);
    }

    public ReceiptV2 withPrevReceipt(Keccak256 prevReceipt) {
        return new ReceiptV2(requestedModel, servedModel, provider, promptTokens, completionTokens, payer,
                cumulativeAmount, prevReceipt, attachmentsDigest);
    }

    /**
     * Whether {@link #servedModel} is what {@link #requestedModel} names: the same id, or a dated snapshot of it
     * ({@code gpt-4o-mini} served as {@code gpt-4o-mini-2024-07-18}), which is how providers answer an alias.
     * Anything else is a substitution.
     */
    public boolean servedAsRequested() {
        if (servedModel.equals(requestedModel)) return true;
        return servedModel.startsWith(requestedModel) && !requestedModel.isEmpty()
                && SNAPSHOT.matcher(servedModel.substring(requestedModel.length())).matches();
    }
}
