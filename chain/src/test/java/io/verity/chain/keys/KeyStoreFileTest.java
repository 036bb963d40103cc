package io.verity.chain.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.chain.ChainAccount;
import io.verity.protocol.EvmAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayNameGeneration(ReplaceUnderscores.class)
class KeyStoreFileTest {
    static final ChainAccount ACCOUNT = ChainAccount.fromPrivateKey("0x" + "42".repeat(32));
    static final KeyStoreFile.Password PASSWORD = KeyStoreFile.Password.fromEnv("PW", Map.of("PW", "correct horse")::get);

    @TempDir
    Path dir;

    static Path golden(String name) throws Exception {
        return Path.of(KeyStoreFileTest.class.getResource("/golden/keystore/" + name).toURI());
    }

    @Test
    void opens_a_keystore_that_ethers_wrote() throws Exception {
        Path file = golden("ethers-scrypt.json");
        ChainAccount a = KeyStoreFile.read(file, KeyStoreFile.Password.fromEnv("PW", Map.of("PW", "verity-test")::get));
        assertThat(a.privateKeyHex()).isEqualTo("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
        assertThat(a.address()).isEqualTo(EvmAddress.parse("0x2c7536e3605d9c16a7a3d7b1898e529396a65c23"));
        assertThat(KeyStoreFile.address(file)).isEqualTo(a.address());
    }

    /** web3j's scrypt (Bouncy Castle) refuses r = 1 with n >= 2^16, the spec's vector; geth, ethers and cast write r = 8. */
    @Test
    void the_spec_vector_with_scrypt_r_1_is_refused_with_the_reason() throws Exception {
        Path vector = golden("web3-secret-storage-scrypt.json");
        assertThatThrownBy(() -> KeyStoreFile.read(vector, KeyStoreFile.Password.fromEnv("PW", Map.of("PW", "testpassword")::get)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Cost parameter N must be > 1 and < 65536");
        assertThatThrownBy(() -> KeyStoreFile.address(vector)).hasMessageContaining("does not name its address");
    }

    @Test
    void a_written_keystore_names_its_address_and_opens_with_its_password_only() throws Exception {
        Path file = dir.resolve("keys/operator.json");
        assertThat(KeyStoreFile.write(file, ACCOUNT, PASSWORD, KeyStoreFile.Scrypt.LIGHT)).isEqualTo(ACCOUNT.address());

        assertThat(KeyStoreFile.address(file)).isEqualTo(ACCOUNT.address());
        assertThat(KeyStoreFile.read(file, PASSWORD).privateKeyHex()).isEqualTo(ACCOUNT.privateKeyHex());
        assertThat(Files.readString(file)).doesNotContain("42".repeat(32)).contains("\"kdf\":\"scrypt\"");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        KeyStoreFile.Password wrong = KeyStoreFile.Password.fromEnv("PW", Map.of("PW", "wrong")::get);
        assertThatThrownBy(() -> KeyStoreFile.read(file, wrong)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("wrong password");
    }

    /** What {@code verity keys new} writes for users: geth's standard cost (a second or two and 256 MiB to open). */
    @Test
    void a_standard_keystore_uses_geths_scrypt_cost_and_opens() throws Exception {
        Path file = dir.resolve("standard.json");
        KeyStoreFile.write(file, ACCOUNT, PASSWORD, KeyStoreFile.Scrypt.STANDARD);
        assertThat(Files.readString(file)).contains("\"n\":262144").contains("\"r\":8").contains("\"p\":1");
        assertThat(KeyStoreFile.read(file, PASSWORD).address()).isEqualTo(ACCOUNT.address());
    }

    @Test
    void an_existing_file_is_never_overwritten() throws Exception {
        Path file = dir.resolve("k.json");
        Files.writeString(file, "precious");
        assertThatThrownBy(() -> KeyStoreFile.write(file, ACCOUNT, PASSWORD, KeyStoreFile.Scrypt.LIGHT))
                .hasMessage(file + " already exists; a keystore is never overwritten (move it away first)");
        assertThat(Files.readString(file)).isEqualTo("precious");
    }

    @Test
    void a_file_that_is_not_a_keystore_is_refused_by_name() throws Exception {
        Path file = dir.resolve("k.json");
        Files.writeString(file, "{\"version\": 1}");
        assertThatThrownBy(() -> KeyStoreFile.address(file)).hasMessage(file + " is not a version 3 Ethereum keystore");
        assertThatThrownBy(() -> KeyStoreFile.address(dir.resolve("none.json"))).hasMessage("no keystore at " + dir.resolve("none.json"));
    }

    @Test
    void a_password_file_gives_its_first_line_and_an_empty_password_is_refused() throws Exception {
        Path file = dir.resolve("k.json");
        KeyStoreFile.write(file, ACCOUNT, PASSWORD, KeyStoreFile.Scrypt.LIGHT);
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "correct horse\r\nsecond line\n");
        assertThat(KeyStoreFile.read(file, KeyStoreFile.Password.fromFile(pw)).address()).isEqualTo(ACCOUNT.address());
        assertThat(KeyStoreFile.Password.fromFile(pw).toString()).doesNotContain("horse");

        Files.writeString(pw, "\n");
        assertThatThrownBy(() -> KeyStoreFile.Password.fromFile(pw)).hasMessage("password file " + pw + " holds an empty password");
        assertThatThrownBy(() -> KeyStoreFile.Password.fromEnv("NOPE", n -> null))
                .hasMessage("environment variable NOPE (the keystore password) is not set");
    }

    @Test
    void the_flags_need_a_keystore_and_exactly_one_password_source() throws Exception {
        Path file = dir.resolve("k.json");
        KeyStoreFile.write(file, ACCOUNT, PASSWORD, KeyStoreFile.Scrypt.LIGHT);
        Map<String, String> env = Map.of("PW", "correct horse");

        KeyStoreFlags ok = new KeyStoreFlags("--keystore");
        assertThat(ok.accept("--keystore", file.toString())).isTrue();
        assertThat(ok.accept("--password-env", "PW")).isTrue();
        assertThat(ok.accept("--port", "1")).isFalse();
        assertThat(ok.account(env::get).map(ChainAccount::address)).contains(ACCOUNT.address());

        assertThat(new KeyStoreFlags("--keystore").account(env::get)).isEmpty();
        KeyStoreFlags noPassword = new KeyStoreFlags("--keystore");
        noPassword.accept("--keystore", file.toString());
        assertThatThrownBy(() -> noPassword.account(env::get)).hasMessageStartingWith("--keystore needs exactly one of --password-file");
        KeyStoreFlags noKeystore = new KeyStoreFlags("--client-keystore");
        noKeystore.accept("--password-env", "PW");
        assertThatThrownBy(() -> noKeystore.account(env::get)).hasMessage("--password-file/--password-env need --client-keystore");
        KeyStoreFlags wrong = new KeyStoreFlags("--keystore");
        wrong.accept("--keystore", file.toString());
        wrong.accept("--password-env", "PW");
        assertThatThrownBy(() -> wrong.account(Map.of("PW", "nope")::get)).hasMessageStartingWith("--keystore: cannot open " + file);
    }
}
