package io.verity.node.pay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.receipt.PayerAuth;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PayerProofsTest {
    static final NodeKey PAYER = NodeKey.fromPrivateKey("0x" + "42".repeat(32));
    static final NodeKey STRANGER = NodeKey.fromPrivateKey("0x" + "77".repeat(32));
    static final EvmAddress NODE = EvmAddress.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    static final long NOW = 1_765_000_000_000L;

    static Optional<String> proof(NodeKey key, EvmAddress node, long at) {
        return Optional.of(PayerAuth.sign(key, node, at).header());
    }

    @Test
    void a_fresh_proof_by_the_payer_for_this_node_passes_once() {
        PayerProofs proofs = new PayerProofs(NODE);
        Optional<String> p = proof(PAYER, NODE, NOW - 1000);
        proofs.accept(PAYER.address(), p, NOW);
        assertThatThrownBy(() -> proofs.accept(PAYER.address(), p, NOW)).isInstanceOf(PaymentGate.Refused.class)
                .hasMessageContaining("already used");
    }

    @Test
    void no_proof_a_strangers_proof_one_for_another_node_or_out_of_the_window_is_refused() {
        PayerProofs proofs = new PayerProofs(NODE);
        EvmAddress payer = PAYER.address();
        assertThatThrownBy(() -> proofs.accept(payer, Optional.empty(), NOW)).hasMessageContaining(PayerAuth.HEADER);
        assertThatThrownBy(() -> proofs.accept(payer, proof(STRANGER, NODE, NOW), NOW)).hasMessageContaining("is not signed by payer");
        assertThatThrownBy(() -> proofs.accept(payer, proof(PAYER, STRANGER.address(), NOW), NOW)).hasMessageContaining("is not signed by payer");
        long window = PayerProofs.WINDOW.toMillis();
        assertThatThrownBy(() -> proofs.accept(payer, proof(PAYER, NODE, NOW - window - 1), NOW)).hasMessageContaining("ms ago");
        assertThatThrownBy(() -> proofs.accept(payer, proof(PAYER, NODE, NOW + window + 1), NOW)).hasMessageContaining("ahead");
        assertThatThrownBy(() -> proofs.accept(payer, Optional.of("garbage"), NOW)).hasMessageContaining("part(s)");
        assertThat(proofs.remembered()).isZero(); // nothing refused is remembered
    }

    @Test
    void a_full_record_refuses_until_proofs_leave_the_window_then_forgets_them() {
        PayerProofs proofs = new PayerProofs(NODE, Duration.ofSeconds(10), 3);
        for (int i = 0; i < 3; i++) proofs.accept(PAYER.address(), proof(PAYER, NODE, NOW), NOW);
        assertThatThrownBy(() -> proofs.accept(PAYER.address(), proof(PAYER, NODE, NOW), NOW + 1))
                .hasMessageContaining("unexpired payer proofs");
        long later = NOW + 10_001 + 1000; // past every proof's window, and past the one-a-second sweep
        proofs.accept(PAYER.address(), proof(PAYER, NODE, later), later);
        assertThat(proofs.remembered()).isEqualTo(1);
    }
}
