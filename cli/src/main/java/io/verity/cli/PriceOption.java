package io.verity.cli;

import java.math.BigInteger;
import picocli.CommandLine.Option;

/** {@code --price-wei}: what a node charges per inference, as it serves ({@code node start}) and registers. */
final class PriceOption {
    @Option(names = "--price-wei", defaultValue = "0", description = "price per inference in wei (default: ${DEFAULT-VALUE})")
    BigInteger wei;
}
