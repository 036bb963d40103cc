package io.verity.explorer.web;

/**
 * Bounds of the per-payer pages (docs/security.md, "Explorer per payer").
 *
 * @param maxReceipts the most receipts of one payer the explorer reconciles ({@code --payer-max-receipts}); a payer
 *     with more gets a 422 saying so, rather than a bill that silently leaves some out
 * @param maxNodes the most nodes asked for the payer's vouchers ({@code --payer-max-nodes}): the registered ones and
 *     the signers of its receipts
 */
public record PayerLimits(int maxReceipts, int maxNodes) {
    public static final PayerLimits DEFAULT = new PayerLimits(10_000, 256);

    public PayerLimits {
        if (maxReceipts < 1) throw new IllegalArgumentException("--payer-max-receipts must be at least 1, got " + maxReceipts);
        if (maxNodes < 1) throw new IllegalArgumentException("--payer-max-nodes must be at least 1, got " + maxNodes);
    }
}
