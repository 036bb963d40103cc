package io.verity.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code verity} command. Exit codes: 0 success, 1 a check failed (verification, rejected evidence),
 * 2 usage error or bad input, 3 the node or chain could not be reached.
 */
@Command(
        name = "verity",
        mixinStandardHelpOptions = true,
        version = "verity 0.1.0",
        description = "Verifiable AI inference: nodes, signed receipts, settlement.",
        subcommands = {CommandLine.HelpCommand.class, ModelCommand.class, AttestCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
