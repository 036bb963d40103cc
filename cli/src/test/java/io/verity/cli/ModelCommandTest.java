package io.verity.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.verity.testing.TestPaths;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Runs {@code verity model ...} in-process through picocli with a temporary home. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ModelCommandTest {
    static final Path VAD = TestPaths.nodeModules().resolve("@ricky0123/vad-web/dist/silero_vad_legacy.onnx");
    static final String VAD_DIGEST = "0xf6fb974b007980b6e2b4fa51b8fecef64f2677af014b58964ef5759c092a0f68";

    @TempDir
    Path home;

    record Run(int exit, String out, String err) {}

    Run verity(String... args) {
        return verityWithHome(home, args);
    }

    static Run verityWithHome(Path home, String... args) {
        CommandLine cmd = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--home";
        all[args.length + 1] = home.toString();
        int exit = cmd.execute(all);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void add_list_show_and_rm_a_real_model() {
        Run add = verity("model", "add", VAD.toString(), "--name", "silero-vad", "--version", "4.0",
                "--license", "MIT", "--source", "https://github.com/snakers4/silero-vad");
        assertThat(add.exit()).as(add.err()).isZero();
        assertThat(add.out()).isEqualTo("stored silero-vad@4.0 " + VAD_DIGEST + " (1.7 MB)" + System.lineSeparator());
        assertThat(home.resolve("models").resolve(VAD_DIGEST.substring(2)).resolve("model.onnx")).exists();

        Run list = verity("model", "list");
        assertThat(list.exit()).isZero();
        assertThat(list.out().lines().toList()).hasSize(2);
        assertThat(list.out().lines().toList().get(0)).startsWith("NAME        VERSION  DIGEST ");
        assertThat(list.out().lines().toList().get(1))
                .startsWith("silero-vad  4.0      0xf6fb974b00798" + "0b6  ")
                .contains("1.7 MB");

        Run show = verity("model", "show", "silero-vad");
        assertThat(show.exit()).isZero();
        assertThat(show.out()).contains("\"digest\" : \"" + VAD_DIGEST + "\"", "\"license\" : \"MIT\"",
                "\"name\" : \"sr\"", "\"dtype\" : \"int64\"");

        Run rm = verity("model", "rm", "0xf6fb974b");
        assertThat(rm.exit()).isZero();
        assertThat(rm.out()).isEqualTo("removed silero-vad@4.0 " + VAD_DIGEST + System.lineSeparator());
        assertThat(verity("model", "list").out()).startsWith("no models in ");
    }

    @Test
    void add_with_an_engine_keeps_it_in_the_manifest_and_det_refuses_a_model_it_cannot_run_naming_the_operator() {
        Run det = verity("model", "add", VAD.toString(), "--name", "silero-vad", "--version", "4.0", "--engine", "det");
        assertThat(det.exit()).as(det.err()).isZero();
        assertThat(det.out()).isEqualTo("stored silero-vad@4.0 " + VAD_DIGEST + " (1.7 MB) on engine det" + System.lineSeparator());
        assertThat(verity("model", "show", "silero-vad").out()).contains("\"engine\" : \"det\"");
        assertThat(verity("model", "list").out().lines().toList().get(1)).endsWith("  det");

        Run badEngine = verity("model", "add", VAD.toString(), "--name", "vad", "--version", "1", "--engine", "gpu");
        assertThat(badEngine.exit()).isEqualTo(2);
        assertThat(badEngine.err()).isEqualTo("verity model add: engine must be one of det, onnxruntime, got 'gpu'"
                + System.lineSeparator());

        Path bernoulli = Path.of("/usr/share/libonnx-testdata/data/node/test_bernoulli/model.onnx");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(bernoulli), "Debian libonnx-testdata is not installed");
        Run unsupported = verity("model", "add", bernoulli.toString(), "--name", "bernoulli", "--version", "1", "--engine", "det");
        assertThat(unsupported.exit()).isEqualTo(2);
        assertThat(unsupported.err()).contains("cannot run on the deterministic engine").contains("[Bernoulli]").hasLineCount(1);
    }

    @Test
    void an_unknown_reference_exits_1_with_one_line_on_stderr() {
        Run show = verity("model", "show", "whisper");

        assertThat(show.exit()).isEqualTo(1);
        assertThat(show.out()).isEmpty();
        assertThat(show.err()).isEqualTo("verity model show: no model named 'whisper' in "
                + home.resolve("models") + System.lineSeparator());
    }

    @Test
    void a_taken_name_and_version_exits_1() {
        verity("model", "add", VAD.toString(), "--name", "vad", "--version", "1");
        Path other = TestPaths.nodeModules().resolve("@ricky0123/vad-web/dist/silero_vad_v5.onnx");

        Run again = verity("model", "add", other.toString(), "--name", "vad", "--version", "1");

        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).startsWith("verity model add: vad@1 is already bound to model " + VAD_DIGEST)
                .hasLineCount(1);
    }

    @Test
    void bad_input_exits_2_without_a_stack_trace(@TempDir Path dir) throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.onnx"), "not a model");

        Run notOnnx = verity("model", "add", junk.toString(), "--name", "junk", "--version", "1");
        Run badName = verity("model", "add", VAD.toString(), "--name", "no spaces", "--version", "1");
        Run badDigest = verity("model", "fetch", "--node", "http://127.0.0.1:1", "0x1234");
        Run missingOption = verity("model", "add", VAD.toString(), "--name", "vad");

        assertThat(notOnnx.exit()).isEqualTo(2);
        assertThat(notOnnx.err()).contains(": not an ONNX model").hasLineCount(1);
        assertThat(badName.exit()).isEqualTo(2);
        assertThat(badName.err()).isEqualTo("verity model add: model name must be 1-128 of A-Z a-z 0-9 . _ -"
                + " starting with a letter or digit, got 'no spaces'" + System.lineSeparator());
        assertThat(badDigest.exit()).isEqualTo(2);
        assertThat(badDigest.err()).isEqualTo(
                "verity model fetch: a bytes32 value must be 64 hex digits, got 4: 0x1234" + System.lineSeparator());
        assertThat(missingOption.exit()).isEqualTo(2);
        assertThat(missingOption.err()).startsWith("Missing required option: '--version=<version>'");
        assertThat(notOnnx.err() + badName.err() + badDigest.err()).doesNotContain("\tat ");
    }

    @Test
    void fetch_downloads_from_a_node_and_an_unreachable_node_exits_3(@TempDir Path remoteHome) throws IOException {
        assertThat(verityWithHome(remoteHome, "model", "add", VAD.toString(), "--name", "silero-vad",
                "--version", "4.0").exit()).isZero();
        String manifest = verityWithHome(remoteHome, "model", "show", VAD_DIGEST).out();
        byte[] bytes = Files.readAllBytes(VAD);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/models/" + VAD_DIGEST, exchange -> {
            try (exchange) {
                byte[] body = exchange.getRequestURI().getPath().endsWith("/file")
                        ? bytes
                        : manifest.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(body);
                }
            }
        });
        server.start();
        try {
            String node = "http://127.0.0.1:" + server.getAddress().getPort();

            Run fetch = verity("model", "fetch", "--node", node, VAD_DIGEST);

            assertThat(fetch.exit()).as(fetch.err()).isZero();
            assertThat(fetch.out()).isEqualTo("fetched silero-vad@4.0 " + VAD_DIGEST + " (1.7 MB)"
                    + System.lineSeparator());
            assertThat(fetch.err()).contains("100% 1.7/1.7 MB");
            assertThat(Files.mismatch(home.resolve("models").resolve(VAD_DIGEST.substring(2)).resolve("model.onnx"),
                    VAD)).isEqualTo(-1);
        } finally {
            server.stop(0);
        }

        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Run dead = verity("model", "fetch", "--node", "http://127.0.0.1:" + closedPort,
                "0x" + "ab".repeat(32));
        assertThat(dead.exit()).isEqualTo(3);
        assertThat(dead.err()).isEqualTo("verity model fetch: cannot reach node http://127.0.0.1:" + closedPort
                + ": connection refused" + System.lineSeparator());
    }
}
