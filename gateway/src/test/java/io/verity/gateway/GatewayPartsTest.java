package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.gateway.tensor.Tolerance;
import io.verity.protocol.policy.Policy;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The gateway's flags, parsed or refused with their name. (Its decision rules are tested in their packages:
 * RoutingTest, ToleranceTest, SamplingTest, PolicyEngineTest.)
 */
class GatewayPartsTest {
    @Test
    void flagsAreParsedOrRefusedWithTheirName() {
        GatewayConfig c = GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "/tmp/d.json", "--policy",
                "redundant:3", "--tolerance", "silero-vad=1e-3,1e-2", "--tolerance", "1e-6,1e-5", "--hedge-ms", "50"});
        assertThat(c.defaultPolicy()).isEqualTo(new Policy.Redundant(3));
        assertThat(c.toleranceFor("silero-vad@5")).isEqualTo(new Tolerance(1e-3, 1e-2));
        assertThat(c.toleranceFor("other")).isEqualTo(new Tolerance(1e-6, 1e-5));
        assertThat(c.hedgeAfter()).isEqualTo(Duration.ofMillis(50));
        assertThat(c.home()).isEqualTo(Path.of("/tmp/g"));
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", "/tmp/g"})).hasMessageContaining("--deployment");
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d", "--port", "x"}))
                .hasMessageContaining("--port");
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d", "--policy", "all"}))
                .hasMessageContaining("expected none");
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d", "--routing", "speed=1"}))
                .hasMessageContaining("unknown routing weight");
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d", "--tolerance", "x"}))
                .hasMessageContaining("[model=]abs,rel");
    }

    @Test
    void the_paying_key_comes_from_an_encrypted_keystore(@org.junit.jupiter.api.io.TempDir Path dir) {
        io.verity.chain.ChainAccount payer = io.verity.chain.ChainAccount.fromPrivateKey("0x" + "09".repeat(32));
        Path file = dir.resolve("client.json");
        io.verity.chain.keys.KeyStoreFile.write(file, payer, io.verity.chain.keys.KeyStoreFile.Password.fromEnv("P", n -> "pw"),
                io.verity.chain.keys.KeyStoreFile.Scrypt.LIGHT);
        String[] args = {"--home", "/tmp/g", "--deployment", "d", "--client-keystore", file.toString(), "--password-env", "GW_PW"};

        GatewayConfig c = GatewayMain.parse(args, n -> n.equals("GW_PW") ? "pw" : null);

        assertThat(c.clientKey()).contains(payer.privateKeyHex());
        Path keyFile = dir.resolve("hex");
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d", "--client-keystore",
                file.toString(), "--password-env", "GW_PW", "--client-key-file", write(keyFile)}, n -> n.equals("GW_PW") ? "pw" : null))
                .hasMessage("--client-keystore and --client-key-file: give one of them");
    }

    private static String write(Path file) {
        try {
            java.nio.file.Files.writeString(file, "0x" + "0a".repeat(32));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return file.toString();
    }
}
