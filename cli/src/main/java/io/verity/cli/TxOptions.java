package io.verity.cli;

import java.math.BigInteger;
import picocli.CommandLine.Option;

/**
 * How a process's transactions are priced, replaced and confirmed (io.verity.chain.rpc.TxPolicy, docs/chain.md), as
 * options of {@code node start} and {@code gateway start}; passed on to the *Main parsers, which own defaults and checks.
 */
public final class TxOptions {
    @Option(names = "--tx-confirmations", description = "with --deployment: blocks a transaction needs on top before it counts (default 1)")
    Integer confirmations;

    @Option(names = "--tx-max-fee-wei", description = "with --deployment: most wei per gas a transaction offers (default 500 gwei)")
    BigInteger maxFeeWei;

    @Option(names = "--tx-priority-fee-wei", description = "with --deployment: most wei per gas of priority fee (default 5 gwei)")
    BigInteger priorityFeeWei;

    @Option(names = "--tx-replace-after-ms", description = "with --deployment: resend an unmined transaction with fees +12.5%% after this long (default 30000)")
    Long replaceAfterMs;

    @Option(names = "--tx-receipt-timeout-ms", description = "with --deployment: how long a send waits for its confirmations (default 30000)")
    Long receiptTimeoutMs;
}
