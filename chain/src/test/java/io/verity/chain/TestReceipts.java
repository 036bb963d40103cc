package io.verity.chain;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.util.Random;

/**
 * Builds and signs receipts for chain tests with this module's own EIP-712 code (OnChainReceipt), until
 * the protocol module's receipt signer is merged; the ids are cross-checked against the contract and ethers.
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

    OnChainReceipt receipt(EvmAddress node) {
        return receipt(node, randomBytes32(), randomBytes32(), randomBytes32());
    }

    OnChainReceipt receipt(EvmAddress node, Keccak256 requestId, Keccak256 modelDigest, Keccak256 outputsDigest) {
        return new OnChainReceipt(1, requestId, modelDigest, "onnxruntime/1.29.0/cpu", randomBytes32(), outputsDigest,
                Keccak256.ZERO, node, Keccak256.ZERO, 0, BigInteger.valueOf(1_000_000_000L), 1_764_000_000_000L + random.nextInt(1_000_000));
    }

    static OnChainReceipt withOutputs(OnChainReceipt r, Keccak256 outputsDigest) {
        return new OnChainReceipt(r.version(), r.requestId(), r.modelDigest(), r.engine(), r.inputsDigest(), outputsDigest,
                r.traceRoot(), r.node(), r.attestationDigest(), r.verification(), r.price(), r.timestamp());
    }

    static OnChainReceipt withNode(OnChainReceipt r, EvmAddress node) {
        return new OnChainReceipt(r.version(), r.requestId(), r.modelDigest(), r.engine(), r.inputsDigest(), r.outputsDigest(),
                r.traceRoot(), node, r.attestationDigest(), r.verification(), r.price(), r.timestamp());
    }

    static OnChainReceipt withPrice(OnChainReceipt r, BigInteger price) {
        return new OnChainReceipt(r.version(), r.requestId(), r.modelDigest(), r.engine(), r.inputsDigest(), r.outputsDigest(),
                r.traceRoot(), r.node(), r.attestationDigest(), r.verification(), price, r.timestamp());
    }
}
