package io.verity.node.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeIdentityTest {
    @TempDir Path home;

    @Test
    void a_key_is_created_on_first_start_readable_by_the_owner_only_and_reused() throws Exception {
        NodeIdentity first = NodeIdentity.loadOrCreate(home);
        Path file = home.resolve(NodeIdentity.FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(NodeIdentity.loadOrCreate(home).address()).isEqualTo(first.address());
        assertThat(home.resolve(NodeIdentity.FILE + ".tmp")).doesNotExist();
    }

    @Test
    void an_existing_key_file_gives_its_address() throws Exception {
        // anvil's first dev account: a key whose address everyone can look up
        Files.writeString(home.resolve(NodeIdentity.FILE),
                "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n");
        assertThat(NodeIdentity.loadOrCreate(home).address().toString())
                .isEqualTo("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    }

    @Test
    void a_corrupt_key_file_is_a_clear_error_naming_the_file() throws Exception {
        Files.writeString(home.resolve(NodeIdentity.FILE), "not a key");
        assertThatThrownBy(() -> NodeIdentity.loadOrCreate(home))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(home.resolve(NodeIdentity.FILE).toString())
                .hasMessageContaining("32-byte hex secp256k1 private key");
    }
}
