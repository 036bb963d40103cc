package io.verity.protocol.receipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Golden;
import io.verity.protocol.Hex;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import java.math.BigInteger;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * Vouchers hashed and signed by ethers (golden/vouchers/vectors.json, see golden/README.md). Vouchers moved
 * here from the chain module, whose only outside check was InteropIT against a live anvil; these vectors guard
 * the one voucher encoder in every unit-test run.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class VoucherGoldenTest {
    final JsonNode golden = Golden.load("vouchers/vectors.json");

    @Test
    void the_type_string_is_the_one_ethers_derived_from_the_field_list() {
        StringBuilder type = new StringBuilder("Voucher(");
        for (JsonNode f : golden.get("types").get("Voucher")) {
            if (type.length() > 8) type.append(',');
            type.append(f.get("type").asText()).append(' ').append(f.get("name").asText());
        }
        assertThat(Voucher.EIP712_TYPE).isEqualTo(type.append(')').toString());
    }

    @Test
    void hashes_signs_and_recovers_every_ethers_voucher_identically() {
        JsonNode vectors = golden.get("vouchers");
        assertThat(vectors.size()).isGreaterThanOrEqualTo(12);
        for (JsonNode v : vectors) {
            Voucher voucher = new Voucher(EvmAddress.parse(v.get("client").asText()), EvmAddress.parse(v.get("node").asText()),
                    new BigInteger(v.get("cumulativeAmount").asText()));
            long chainId = v.get("chainId").asLong();
            EvmAddress payments = EvmAddress.parse(v.get("payments").asText());
            String what = voucher + " on chain " + chainId;
            assertThat(Eip712.hashStruct(voucher)).as("hashStruct of %s", what).isEqualTo(Keccak256.parse(v.get("hashStruct").asText()));
            assertThat(voucher.digest(chainId, payments)).as("digest of %s", what).isEqualTo(Keccak256.parse(v.get("digest").asText()));
            NodeKey key = NodeKey.fromPrivateKey(v.get("privateKey").asText());
            SignedVoucher signed = voucher.sign(key, chainId, payments);
            assertThat(Hex.encode(signed.signature())).as("our signature of %s", what).isEqualTo(v.get("signature").asText());
            assertThat(signed.signer(chainId, payments)).isEqualTo(voucher.client());
        }
    }

    @Test
    void a_voucher_refuses_an_amount_outside_uint256_and_a_signer_that_is_not_its_client() {
        EvmAddress a = EvmAddress.ZERO;
        assertThatThrownBy(() -> new Voucher(a, a, BigInteger.ONE.shiftLeft(256)))
                .hasMessage("cumulativeAmount must be a uint256 (0 <= x < 2^256), got " + BigInteger.ONE.shiftLeft(256));
        assertThatThrownBy(() -> new Voucher(a, a, BigInteger.valueOf(-1)))
                .hasMessage("cumulativeAmount must be a uint256 (0 <= x < 2^256), got -1");
        NodeKey key = NodeKey.fromPrivateKey("0x" + "11".repeat(32));
        assertThatThrownBy(() -> new Voucher(a, a, BigInteger.ONE).sign(key, 1, a))
                .hasMessage("voucher client is " + a + " but the signer is " + key.address());
    }
}
