package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.contracts.SettledCheck;
import io.verity.chain.contracts.SettlementClient;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.ReceiptV2;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.VerificationMode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The protocol's EIP-712 receipt id against the Settlement contract's, over edge values (extreme integers,
 * one-character, non-ASCII and long engine strings, every verification mode) and seeded random receipts, v1 and
 * v2, and signature recovery on chain.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class ReceiptIdIT extends DevnetTestBase {
    static final long SEED = 0x5EED_2026L;
    static final BigInteger UINT256_MAX = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);

    static Stream<Receipt> receipts() {
        Random random = new Random(SEED);
        TestReceipts t = new TestReceipts(SEED);
        EvmAddress node = EvmAddress.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"); // anvil account 1
        Keccak256 ones = Keccak256.parse("0x" + "ff".repeat(32));
        VerificationMode[] modes = VerificationMode.values();
        List<Receipt> out = new ArrayList<>(List.of(
                new Receipt(0, Keccak256.ZERO, Keccak256.ZERO, "e", Keccak256.ZERO, Keccak256.ZERO, Keccak256.ZERO,
                        node, Keccak256.ZERO, modes[0], BigInteger.ZERO, 0),
                new Receipt(0xffff, ones, ones, "x".repeat(1000), ones, ones, ones, node, ones, modes[modes.length - 1],
                        UINT256_MAX, Long.MAX_VALUE),
                new Receipt(1, t.randomBytes32(), t.randomBytes32(), "moteur/1.0/cpu-ümlaut-日本語-🚀", t.randomBytes32(),
                        t.randomBytes32(), t.randomBytes32(), node, t.randomBytes32(), VerificationMode.fromCode(4), BigInteger.ONE,
                        1_764_000_000_000L)));
        // receipt v2 (docs/receipts.md): the contract's ReceiptV2 hash, at the edges and with non-ASCII names
        Receipt plain = out.get(2);
        out.add(plain.withV2(new ReceiptV2("", "", "", 0, 0, EvmAddress.ZERO, BigInteger.ZERO, Keccak256.ZERO, Keccak256.ZERO)));
        out.add(out.get(1).withV2(new ReceiptV2("modèle-🚀", "x".repeat(500), "https://api.example.com/v1",
                ReceiptV2.MAX_TOKENS, ReceiptV2.MAX_TOKENS, node, UINT256_MAX, ones, ones)));
        for (int i = 0; i < 4; i++) out.add(plain.withV2(t.v2()));
        for (int i = 0; i < 20; i++) {
            out.add(new Receipt(random.nextInt(0x10000), t.randomBytes32(), t.randomBytes32(), "engine/" + random.nextInt(),
                    t.randomBytes32(), t.randomBytes32(), t.randomBytes32(), node, t.randomBytes32(), modes[random.nextInt(modes.length)],
                    new BigInteger(random.nextInt(257), random), random.nextLong() & Long.MAX_VALUE));
        }
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("receipts")
    void java_and_the_contract_compute_the_same_receipt_id(Receipt r) {
        assertThat(settlement(0).receiptId(r)).isEqualTo(r.id(receiptDomain()));
    }

    @ParameterizedTest
    @MethodSource("receipts")
    void the_contract_recovers_the_node_from_a_java_signature_in_a_one_receipt_batch(Receipt r) {
        NodeRegistryIT.registerNode(1, ether(1)).confirmed();
        SignedReceipt signed = SignedReceipt.sign(r, receiptDomain(), devnet.account(1).key());
        long batch = SettlementClient.committedBatchId(settlement(1).commitBatch(TestMerkle.leaf(signed.id()), 1, "u").confirmed());
        assertThat(settlement(0).verifyReceipt(signed, batch, List.of())).isInstanceOf(SettledCheck.Settled.class);
    }
}
