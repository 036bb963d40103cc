package io.verity.chain.rpc;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link io.verity.chain.ChainConnection} prices, replaces and waits for its transactions.
 *
 * @param receiptTimeout  how long a send waits for its transaction to reach {@code confirmations} before answering
 *                        {@link io.verity.chain.TxOutcome.Pending} (the transaction may still be mined: ask again with its hash)
 * @param confirmations   blocks that must contain or follow a transaction's block before its outcome is final
 *                        (1: mined); a reorganisation shallower than this cannot undo a Confirmed outcome
 * @param replaceAfter    how long a transaction may stay unmined before it is sent again with the same nonce and
 *                        fees raised by at least 12.5% (nodes accept a replacement only at +10% or more)
 * @param maxFeePerGasCap the most wei per gas a transaction may offer (EIP-1559 max fee, or the legacy gas price);
 *                        a chain whose base fee is above it leaves the transaction waiting rather than overpaying
 * @param priorityFeeCap  the most wei per gas offered to the block producer on top of the base fee
 */
public record TxPolicy(Duration receiptTimeout, int confirmations, Duration replaceAfter, BigInteger maxFeePerGasCap,
                       BigInteger priorityFeeCap) {
    private static final BigInteger GWEI = BigInteger.TEN.pow(9);

    public TxPolicy {
        positive(receiptTimeout, "receiptTimeout");
        if (confirmations < 1 || confirmations > 1_000) {
            throw new IllegalArgumentException("confirmations must be in 1..1000, got " + confirmations);
        }
        positive(replaceAfter, "replaceAfter");
        Objects.requireNonNull(maxFeePerGasCap, "maxFeePerGasCap");
        Objects.requireNonNull(priorityFeeCap, "priorityFeeCap");
        if (maxFeePerGasCap.signum() <= 0) throw new IllegalArgumentException("maxFeePerGasCap must be > 0 wei, got " + maxFeePerGasCap);
        if (priorityFeeCap.signum() < 0) throw new IllegalArgumentException("priorityFeeCap must be >= 0 wei, got " + priorityFeeCap);
    }

    /**
     * 30 s receipt timeout, 1 confirmation, replacement after 30 s unmined, at most 500 gwei per gas of which at
     * most 5 gwei priority fee.
     */
    public static TxPolicy defaults() {
        return new TxPolicy(Duration.ofSeconds(30), 1, Duration.ofSeconds(30), GWEI.multiply(BigInteger.valueOf(500)),
                GWEI.multiply(BigInteger.valueOf(5)));
    }

    public TxPolicy withReceiptTimeout(Duration timeout) {
        return new TxPolicy(timeout, confirmations, replaceAfter, maxFeePerGasCap, priorityFeeCap);
    }

    public TxPolicy withConfirmations(int n) {
        return new TxPolicy(receiptTimeout, n, replaceAfter, maxFeePerGasCap, priorityFeeCap);
    }

    public TxPolicy withReplaceAfter(Duration wait) {
        return new TxPolicy(receiptTimeout, confirmations, wait, maxFeePerGasCap, priorityFeeCap);
    }

    public TxPolicy withFeeCaps(BigInteger maxFeePerGas, BigInteger priorityFee) {
        return new TxPolicy(receiptTimeout, confirmations, replaceAfter, maxFeePerGas, priorityFee);
    }

    /** The flags {@link #parseFlag} reads, for the config-file and environment keys of every process that sends. */
    public static final java.util.List<String> FLAG_NAMES = java.util.List.of("--tx-confirmations", "--tx-max-fee-wei",
            "--tx-priority-fee-wei", "--tx-replace-after-ms", "--tx-receipt-timeout-ms");

    /** The flags {@link #parseFlag} reads, for usage texts. */
    public static final String FLAGS = "[--tx-confirmations N] [--tx-max-fee-wei N] [--tx-priority-fee-wei N]"
            + " [--tx-replace-after-ms MS] [--tx-receipt-timeout-ms MS]";

    /**
     * This policy with one flag applied, or empty when {@code flag} is not one of the transaction flags every
     * process that sends transactions shares ({@link #FLAGS}).
     *
     * @throws IllegalArgumentException naming the flag, what it expects and what it got
     */
    public java.util.Optional<TxPolicy> parseFlag(String flag, String value) {
        try {
            return java.util.Optional.ofNullable(switch (flag) {
                case "--tx-confirmations" -> withConfirmations(Integer.parseInt(value));
                case "--tx-max-fee-wei" -> withFeeCaps(new BigInteger(value), priorityFeeCap);
                case "--tx-priority-fee-wei" -> withFeeCaps(maxFeePerGasCap, new BigInteger(value));
                case "--tx-replace-after-ms" -> withReplaceAfter(Duration.ofMillis(Long.parseLong(value)));
                case "--tx-receipt-timeout-ms" -> withReceiptTimeout(Duration.ofMillis(Long.parseLong(value)));
                default -> null;
            });
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": expected a number, got '" + value + "'", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
        }
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
}
