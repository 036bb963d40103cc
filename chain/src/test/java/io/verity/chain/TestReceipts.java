package io.verity.chain;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.ReceiptV2;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.VerificationMode;
import java.math.BigInteger;
import java.util.Random;

/**
 * Builds and signs protocol receipts for chain tests from a seed; the ids are cross-checked against the
 * contract (ReceiptIdIT, SettlementIT) and ethers (InteropIT).
 */
final class TestReceipts {
    private final Random random;

    TestReceipts(long seed) {
        this.random = new Random(seed);
    }

    Keccak256 randomBytes32() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Keccak256.wrap(b);
    }

    Receipt receipt(EvmAddress node) {
        return receipt(node, randomBytes32(), randomBytes32(), randomBytes32());
    }

    Receipt receipt(EvmAddress node, Keccak256 requestId, Keccak256 modelDigest, Keccak256 outputsDigest) {
        return new Receipt(1, requestId, modelDigest, "onnxruntime/1.29.0/cpu", randomBytes32(), outputsDigest,
                Keccak256.ZERO, node, Keccak256.ZERO, VerificationMode.NONE, BigInteger.valueOf(1_000_000_000L),
                1_764_000_000_000L + random.nextInt(1_000_000));
    }

    /** {@code r} as a format-2 receipt with seeded v2 fields (a proxy's answer, paid). */
    ReceiptV2 v2() {
        byte[] payer = new byte[20];
        random.nextBytes(payer);
        return new ReceiptV2("gpt-4o-mini", "gpt-4o-mini-2024-07-18", "https://api.openai.com/v1", random.nextInt(4096),
                random.nextInt(4096), EvmAddress.wrap(payer), BigInteger.valueOf(random.nextLong() & Long.MAX_VALUE),
                randomBytes32(), Keccak256.ZERO);
    }

    /**
     * {@code r} signed by {@code key} under {@code domain}, whoever {@code r.node()} is: tests need signatures
     * by the wrong key too (which {@link SignedReceipt#sign} refuses to make).
     */
    static SignedReceipt sign(Receipt r, Eip712Domain domain, NodeKey key) {
        return new SignedReceipt(r, domain, key.sign(r.id(domain)));
    }

    static Receipt withOutputs(Receipt r, Keccak256 outputsDigest) {
        return new Receipt(r.version(), r.requestId(), r.modelDigest(), r.engine(), r.inputsDigest(), outputsDigest,
                r.traceRoot(), r.node(), r.attestationDigest(), r.verification(), r.price(), r.timestamp(), r.v2());
    }

    static Receipt withNode(Receipt r, EvmAddress node) {
        return new Receipt(r.version(), r.requestId(), r.modelDigest(), r.engine(), r.inputsDigest(), r.outputsDigest(),
                r.traceRoot(), node, r.attestationDigest(), r.verification(), r.price(), r.timestamp(), r.v2());
    }

    static Receipt withPrice(Receipt r, BigInteger price) {
        return new Receipt(r.version(), r.requestId(), r.modelDigest(), r.engine(), r.inputsDigest(), r.outputsDigest(),
                r.traceRoot(), r.node(), r.attestationDigest(), r.verification(), price, r.timestamp(), r.v2());
    }
}
