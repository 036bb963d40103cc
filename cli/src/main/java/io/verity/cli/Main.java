package io.verity.cli;

import io.verity.cli.up.DownCommand;
import io.verity.cli.up.UpCommand;
import io.verity.cli.verify.AttestCommand;
import io.verity.cli.verify.DisputeCommand;
import io.verity.cli.verify.VerifyCommand;
import java.net.ConnectException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code verity} command. Exit codes: 0 success, 1 a check failed or the node refused the request,
 * 2 usage error or bad input, 3 the node or chain could not be reached.
 */
@Command(
        name = "verity",
        mixinStandardHelpOptions = true,
        version = "verity 0.1.0",
        description = "Verifiable AI inference: nodes, signed receipts, settlement.",
        subcommands = {
            UpCommand.class,
            DownCommand.class,
            InferCommand.class,
            VerifyCommand.class,
            NodeCommand.class,
            GatewayCommand.class,
            ExplorerCommand.class,
            ChainCommand.class,
            ModelCommand.class,
            AttestCommand.class,
            DisputeCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    public static final int CHECK_FAILED = 1;
    public static final int USAGE = 2;
    public static final int UNREACHABLE = 3;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof TensorFiles.UsageError) {
                cmd.getErr().println("verity: " + e.getMessage());
                return USAGE;
            }
            if (e instanceof NodeClient.ProblemResponse p) {
                cmd.getErr().println("verity: " + p.getMessage());
                return p.status >= 500 ? UNREACHABLE : CHECK_FAILED;
            }
            if (e instanceof ConnectException || e instanceof java.net.http.HttpConnectTimeoutException) {
                cmd.getErr().println("verity: " + e.getMessage());
                return UNREACHABLE;
            }
            if (e instanceof IllegalArgumentException) {
                cmd.getErr().println("verity: " + e.getMessage());
                return USAGE;
            }
            throw e;
        });
        return cl;
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
