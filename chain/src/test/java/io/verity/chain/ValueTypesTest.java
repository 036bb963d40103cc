package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
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
    void signatures_are_65_bytes_with_low_s_and_v_27_or_28() {
        ChainAccount a = ChainAccount.fromPrivateKey(ANVIL_KEY_0);
        BigInteger halfN = new BigInteger("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0", 16);
        for (int i = 0; i < 20; i++) {
            byte[] sig = a.sign(Keccak256.hash(new byte[] {(byte) i}));
            assertThat(sig).hasSize(65);
            assertThat(new BigInteger(1, java.util.Arrays.copyOfRange(sig, 32, 64))).isLessThanOrEqualTo(halfN);
            assertThat((int) sig[64]).isIn(27, 28);
        }
    }

    @Test
    void receipts_validate_their_integer_ranges() {
        EvmAddress node = EvmAddress.ZERO;
        Keccak256 z = Keccak256.ZERO;
        assertThatThrownBy(() -> new OnChainReceipt(70_000, z, z, "e", z, z, z, node, z, 0, BigInteger.ZERO, 0))
                .hasMessage("version must be a uint16, got 70000");
        assertThatThrownBy(() -> new OnChainReceipt(1, z, z, "e", z, z, z, node, z, 256, BigInteger.ZERO, 0))
                .hasMessage("verification must be a uint8, got 256");
        assertThatThrownBy(() -> new OnChainReceipt(1, z, z, "e", z, z, z, node, z, 0, BigInteger.valueOf(-1), 0))
                .hasMessage("price must be a uint256 (0 <= x < 2^256), got -1");
        assertThatThrownBy(() -> new Voucher(node, node, BigInteger.ONE.shiftLeft(256)))
                .hasMessageStartingWith("cumulativeAmount must be a uint256");
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
