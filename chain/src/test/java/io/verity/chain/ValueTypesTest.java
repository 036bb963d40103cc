package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.chain.devnet.DeployParams;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import java.math.BigInteger;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayNameGeneration(ReplaceUnderscores.class)
class ValueTypesTest {
    static final String ANVIL_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    @Test
    void an_account_derives_its_address_and_never_prints_its_key() {
        ChainAccount a = ChainAccount.fromPrivateKey(ANVIL_KEY_0);
        assertThat(a.address()).isEqualTo(EvmAddress.parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
        assertThat(a.toString()).isEqualTo("ChainAccount(0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266)").doesNotContain("ac0974");
        assertThat(a.privateKeyHex()).isEqualTo(ANVIL_KEY_0);
    }

    @Test
    void bad_private_keys_are_refused_with_the_length() {
        assertThatThrownBy(() -> ChainAccount.fromPrivateKey("0x1234"))
                .hasMessage("privateKey must be 32 bytes (64 hex digits), got 2 bytes");
        assertThatThrownBy(() -> ChainAccount.fromPrivateKey("0x" + "00".repeat(32))).hasMessage("privateKey must not be zero");
    }

    @Test
    void an_account_signs_with_its_node_key_and_a_node_key_makes_the_same_account() {
        ChainAccount a = ChainAccount.fromPrivateKey(ANVIL_KEY_0);
        assertThat(a.key().address()).isEqualTo(a.address());
        ChainAccount b = ChainAccount.of(NodeKey.fromPrivateKey(ANVIL_KEY_0));
        assertThat(b.address()).isEqualTo(a.address());
        assertThat(b.privateKeyHex()).isEqualTo(ANVIL_KEY_0);
        assertThat(b.credentials().getAddress()).isEqualToIgnoringCase(a.address().toString()); // transactions: same key
    }

    @Test
    void deploy_params_name_the_field_out_of_range() {
        assertThatThrownBy(() -> new DeployParams(BigInteger.ZERO, java.time.Duration.ZERO, 1, 0, java.time.Duration.ZERO))
                .hasMessage("minStake must be > 0 wei, got 0");
        assertThatThrownBy(() -> new DeployParams(BigInteger.ONE, java.time.Duration.ZERO, 0, 0, java.time.Duration.ZERO))
                .hasMessage("slashBps must be in 1..10000, got 0");
        assertThatThrownBy(() -> new DeployParams(BigInteger.ONE, java.time.Duration.ZERO, 1, 10_001, java.time.Duration.ZERO))
                .hasMessage("reporterBps must be in 0..10000, got 10001");
    }

    @Test
    void a_deployment_file_round_trips_and_names_a_missing_field(@TempDir Path dir) throws Exception {
        EvmAddress a = EvmAddress.parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        Deployment d = new Deployment(31337, "http://127.0.0.1:8545", a, a, a, a, 3);
        Path f = dir.resolve("d.json");
        d.write(f);
        assertThat(Deployment.read(f)).isEqualTo(d);
        java.nio.file.Files.writeString(f, "{\"chainId\": 1, \"rpc\": \"x\", \"contracts\": {}}");
        assertThatThrownBy(() -> Deployment.read(f)).hasMessage(f + ": missing field 'NodeRegistry'");
    }

    @Test
    void the_merkle_helper_proves_every_leaf_to_its_root() {
        TestReceipts r = new TestReceipts(7);
        for (int n : new int[] {1, 2, 3, 7, 16}) {
            java.util.List<Keccak256> ids = java.util.stream.IntStream.range(0, n).mapToObj(i -> r.randomBytes32()).toList();
            TestMerkle t = new TestMerkle(ids);
            for (Keccak256 id : ids) {
                Keccak256 h = TestMerkle.leaf(id);
                for (Keccak256 p : t.proof(id)) {
                    h = h.compareTo(p) <= 0 ? Keccak256.hash(h.toArray(), p.toArray()) : Keccak256.hash(p.toArray(), h.toArray());
                }
                assertThat(h).as("n=%d", n).isEqualTo(t.root());
            }
        }
    }
}
