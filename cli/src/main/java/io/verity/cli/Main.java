package io.verity.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.cli.bill.BillCommand;
import io.verity.cli.keys.KeysCommand;
import io.verity.cli.up.DownCommand;
import io.verity.cli.up.UpCommand;
import io.verity.cli.verify.AttestCommand;
import io.verity.cli.verify.DisputeCommand;
import io.verity.cli.verify.VerifyCommand;
import io.verity.client.ProblemException;
import io.verity.client.UnreachableException;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.wire.Problem;
import java.net.ConnectException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

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
            KeysCommand.class,
            GatewayCommand.class,
            ExplorerCommand.class,
            ChainCommand.class,
            ModelCommand.class,
            AttestCommand.class,
            DisputeCommand.class,
            BillCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    /** The one JSON mapper of the commands (reading input files, printing answers). */
    public static final ObjectMapper JSON = new ObjectMapper();
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
            if (e instanceof ProblemException p) {
                cmd.getErr().println("verity: " + describe(p.problem()));
                return p.status() >= 500 ? UNREACHABLE : CHECK_FAILED;
            }
            if (e instanceof UnreachableException || e instanceof ConnectException
                    || e instanceof java.net.http.HttpConnectTimeoutException) {
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

    /** A refusal as one line per field: what the node or gateway said, then each rejected field by pointer. */
    static String describe(Problem p) {
        StringBuilder sb = new StringBuilder("node answered " + p.status());
        if (!p.title().isEmpty()) sb.append(" ").append(p.title());
        if (p.detail() != null) sb.append(": ").append(p.detail());
        for (FieldError e : p.errors()) sb.append("\n  ").append(e.pointer()).append(": ").append(e.detail());
        return sb.toString();
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
