package io.verity.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.receipt.SignedVoucher;
import io.verity.protocol.receipt.Voucher;
import java.math.BigInteger;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(ReplaceUnderscores.class)
class VoucherJsonTest {
    static final NodeKey CLIENT = NodeKey.fromPrivateKey("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"); // anvil account 0
    static final EvmAddress NODE = EvmAddress.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    static final EvmAddress PAYMENTS = EvmAddress.parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");

    static VoucherJson.Envelope envelope(BigInteger amount) {
        SignedVoucher s = new Voucher(CLIENT.address(), NODE, amount).sign(CLIENT, 31337, PAYMENTS);
        return new VoucherJson.Envelope(s, VoucherJson.domain(31337, PAYMENTS));
    }

    @Test
    void a_voucher_round_trips_and_its_signature_recovers_the_client() {
        VoucherJson.Envelope e = envelope(new BigInteger("3000000000000000"));
        ObjectNode json = VoucherJson.write(e);
        assertThat(json.get("cumulativeAmount").asText()).isEqualTo("3000000000000000");
        assertThat(json.get("domain").get("verifyingContract").asText()).isEqualTo(PAYMENTS.toString());
        VoucherJson.Envelope back = VoucherJson.read(json, "");
        assertThat(back).isEqualTo(e);
        assertThat(back.signed().signer(31337, PAYMENTS)).isEqualTo(CLIENT.address());
        assertThat(back.signed().signer(1, PAYMENTS)).isNotEqualTo(CLIENT.address());
    }

    @Test
    void every_malformed_field_is_named_by_its_pointer() {
        ObjectNode json = VoucherJson.write(envelope(BigInteger.TEN));
        json.put("client", "0x12");
        json.put("cumulativeAmount", "-5");
        ((ObjectNode) json.get("domain")).put("chainId", "one");
        json.put("signature", "0xzz");
        assertThatThrownBy(() -> VoucherJson.read(json, "/voucher"))
                .isInstanceOfSatisfying(InvalidFieldException.class, ex -> assertThat(ex.errors())
                        .extracting(FieldError::pointer)
                        .containsExactly("/voucher/client", "/voucher/cumulativeAmount", "/voucher/domain/chainId",
                                "/voucher/signature"));
    }

    @Test
    void a_high_s_signature_is_refused_as_the_contract_would() {
        SignedVoucher s = envelope(BigInteger.ONE).signed();
        byte[] sig = s.signature();
        BigInteger n = new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);
        BigInteger highS = n.subtract(new BigInteger(1, java.util.Arrays.copyOfRange(sig, 32, 64)));
        byte[] hs = highS.toByteArray();
        byte[] twin = sig.clone();
        java.util.Arrays.fill(twin, 32, 64, (byte) 0);
        System.arraycopy(hs, Math.max(0, hs.length - 32), twin, 64 - Math.min(32, hs.length), Math.min(32, hs.length));
        twin[64] = (byte) (sig[64] == 27 ? 28 : 27);
        SignedVoucher malleated = new SignedVoucher(s.voucher(), twin);
        assertThatThrownBy(() -> malleated.signer(31337, PAYMENTS)).hasMessageStartingWith("s must be <= n/2 (EIP-2)");
    }
}
