package io.verity.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.testing.ConfigFiles;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code verity node|gateway|explorer start --config FILE}: typed options beat the file, the file beats the
 * commands' own defaults (which used to be passed on as if typed).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ServiceConfigTest {
    @TempDir
    Path dir;

    private <T> T parsed(Class<T> type, String... args) {
        CommandLine.ParseResult r = Main.commandLine().parseArgs(args);
        while (r.hasSubcommand()) r = r.subcommand();
        return type.cast(r.commandSpec().userObject());
    }

    @Test
    void node_start_reads_the_config_file_below_typed_options_and_above_its_defaults() throws Exception {
        Path config = ConfigFiles.write(dir.resolve("node.conf"), "--home", dir.toString(), "--port", "7100", "--price-wei", "9",
                "--host", "0.0.0.0", "--batch-size", "7", "--deployment", "/tmp/d.json");
        var c = parsed(NodeCommand.Start.class, "node", "start", "--config", config.toString(), "--price-wei", "3").config();
        assertThat(c.home()).isEqualTo(dir);
        assertThat(c.port()).isEqualTo(7100); // not the command's default 7070
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.price()).isEqualTo(BigInteger.valueOf(3)); // typed beats the file
        assertThat(c.chain().orElseThrow().batchSize()).isEqualTo(7); // a flag the command has no option for
        assertThat(parsed(NodeCommand.Start.class, "node", "start", "--home", dir.toString()).config().port()).isEqualTo(7070);
        assertThat(c.maxRun()).isEqualTo(io.verity.node.NodeConfig.DEFAULT_MAX_RUN);
        assertThat(parsed(NodeCommand.Start.class, "node", "start", "--home", dir.toString(), "--max-run-ms", "750").config().maxRun())
                .isEqualTo(Duration.ofMillis(750));
        assertThat(parsed(NodeCommand.Start.class, "node", "start", "--home", dir.toString(), "--receipt-log-reserve-mb", "0").config()
                .receiptLogReserve()).isZero();
        assertThat(parsed(NodeCommand.Start.class, "node", "start", "--home", dir.toString(), "--llm-stall-ms", "750").config()
                .openAi().workers().stallLimit()).isEqualTo(Duration.ofMillis(750));
    }

    @Test
    void node_start_takes_det_trace_typed_or_from_the_config_file_and_refuses_it_without_the_det_engine() throws Exception {
        assertThat(parsed(NodeCommand.Start.class, "node", "start", "--home", dir.toString(), "--engine", "det", "--det-trace", "eager")
                .config().detTrace()).isEqualTo(io.verity.node.serve.DetTrace.EAGER);
        Path config = ConfigFiles.write(dir.resolve("det.conf"), "--engine", "det", "--det-trace", "eager");
        assertThat(parsed(NodeCommand.Start.class, "node", "start", "--home", dir.toString(), "--config", config.toString())
                .config().detTrace()).isEqualTo(io.verity.node.serve.DetTrace.EAGER);
        assertThat(parsed(NodeCommand.Start.class, "node", "start", "--home", dir.toString()).config().detTrace())
                .isEqualTo(io.verity.node.serve.DetTrace.ON_CHALLENGE);
        assertThatThrownBy(() -> parsed(NodeCommand.Start.class, "node", "start", "--home", dir.toString(), "--det-trace", "eager")
                .config()).isInstanceOf(TensorFiles.UsageError.class).hasMessageContaining("--det-trace: only the deterministic engine");
    }

    @Test
    void gateway_and_explorer_start_read_it_too_and_bad_lines_are_usage_errors() throws Exception {
        Path deployment = Files.writeString(dir.resolve("d.json"), "{}");
        Path gw = ConfigFiles.write(dir.resolve("gw.conf"), "--home", dir.toString(), "--deployment", deployment.toString(),
                "--port", "7200", "--policy", "redundant:2");
        var g = parsed(GatewayCommand.Start.class, "gateway", "start", "--config", gw.toString()).config();
        assertThat(g.port()).isEqualTo(7200);
        assertThat(g.deploymentFile()).isEqualTo(deployment);
        Path ex = ConfigFiles.write(dir.resolve("ex.conf"), "--home", dir.toString(), "--deployment", deployment.toString(),
                "--poll-ms", "300", "--host", "0.0.0.0");
        var e = parsed(ExplorerCommand.class, "explorer", "--config", ex.toString()).config();
        assertThat(e.pollInterval()).isEqualTo(Duration.ofMillis(300));
        assertThat(e.host()).isEqualTo("0.0.0.0");
        assertThat(e.port()).isEqualTo(7080);
        Files.writeString(gw, "port = 1\nport = 2\n");
        assertThatThrownBy(() -> parsed(GatewayCommand.Start.class, "gateway", "start", "--config", gw.toString(),
                "--deployment", deployment.toString()).config())
                .isInstanceOf(TensorFiles.UsageError.class).hasMessage(gw + ":2: port: given twice (first on line 1); only repeatable flags may be");
    }
}
