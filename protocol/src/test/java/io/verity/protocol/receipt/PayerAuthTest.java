package io.verity.protocol.receipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.crypto.NodeKey;
import org.junit.jupiter.api.Test;

class PayerAuthTest {
    private static final NodeKey PAYER = NodeKey.fromPrivateKey("0x" + "42".repeat(32));
    private static final NodeKey OTHER = NodeKey.fromPrivateKey("0x" + "43".repeat(32));
    private static final EvmAddress NODE = EvmAddress.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    private static final EvmAddress NODE_2 = EvmAddress.parse("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");

    @Test
    void a_proof_read_back_from_its_header_recovers_the_payer_for_that_node_only() {
        PayerAuth auth = PayerAuth.parse(PayerAuth.sign(PAYER, NODE, 1_765_000_000_000L).header());
        assertThat(auth.issuedAtMillis()).isEqualTo(1_765_000_000_000L);
        assertThat(auth.signer(PAYER.address(), NODE)).isEqualTo(PAYER.address());
        assertThat(auth.signer(PAYER.address(), NODE_2)).isNotEqualTo(PAYER.address()); // bound to the node called
        assertThat(auth.signer(OTHER.address(), NODE)).isNotEqualTo(OTHER.address()); // and to the payer named
    }

    @Test
    void each_proof_is_fresh() {
        PayerAuth a = PayerAuth.sign(PAYER, NODE, 1), b = PayerAuth.sign(PAYER, NODE, 1);
        assertThat(a.header()).isNotEqualTo(b.header());
        assertThat(a.useKey(PAYER.address(), NODE)).isNotEqualTo(b.useKey(PAYER.address(), NODE));
    }

    @Test
    void the_signature_is_eip191_over_the_digest_as_wallets_make_it() {
        PayerAuth auth = PayerAuth.sign(PAYER, NODE, 7);
        // personal_sign of the 32 raw bytes: keccak256("\x19Ethereum Signed Message:\n32" || digest)
        var digest = auth.useKey(PAYER.address(), NODE);
        var prefixed = io.verity.protocol.Keccak256.hash(
                "\u0019Ethereum Signed Message:\n32".getBytes(java.nio.charset.StandardCharsets.US_ASCII), digest.toArray());
        String sig = auth.header().substring(auth.header().lastIndexOf('.') + 1);
        assertThat(io.verity.protocol.crypto.Signature.parse("0x" + sig).recover(prefixed)).isEqualTo(PAYER.address());
    }

    @Test
    void malformed_headers_are_refused_naming_the_part() {
        String good = PayerAuth.sign(PAYER, NODE, 5).header();
        String[] p = good.split("\\.");
        assertThatThrownBy(() -> PayerAuth.parse("abc")).hasMessageContaining("1 part(s)");
        assertThatThrownBy(() -> PayerAuth.parse("x." + p[1] + "." + p[2])).hasMessageContaining("issued-at");
        assertThatThrownBy(() -> PayerAuth.parse("-1." + p[1] + "." + p[2])).hasMessageContaining("issued-at");
        assertThatThrownBy(() -> PayerAuth.parse(p[0] + ".00." + p[2])).hasMessageContaining("nonce must be 32 hex");
        assertThatThrownBy(() -> PayerAuth.parse(p[0] + "." + p[1] + ".zz")).hasMessageContaining("signature must be 130 hex");
        assertThatThrownBy(() -> PayerAuth.parse(p[0] + "." + p[1] + "." + "00".repeat(65))).isInstanceOf(IllegalArgumentException.class);
    }
}
