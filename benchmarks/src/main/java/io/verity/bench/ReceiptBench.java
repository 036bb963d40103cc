package io.verity.bench;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.crypto.Signature;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.VerificationMode;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import java.math.BigInteger;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Receipt costs on one core: canonical encoding + keccak of a 1 MB float32 tensor (ops/s × 1 MB = MB/s),
 * signing a receipt (EIP-712 digest + RFC 6979 ECDSA), and verifying one (digest + ecrecover + checks; goal
 * >= 10k/s per core), and the ECDSA signature and public-key recovery inside them. Run: see docs/benchmarks.md, "Receipts (JMH)".
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ReceiptBench {
    private Tensor oneMegabyte;
    private NodeKey key;
    private Receipt receipt;
    private Eip712Domain domain;
    private SignedReceipt signed;
    private Keccak256 id;

    @Setup
    public void setUp() {
        Random r = new Random(42);
        float[] values = new float[256 * 1024]; // 1 MiB of float32
        for (int i = 0; i < values.length; i++) values[i] = r.nextFloat();
        oneMegabyte = Tensor.ofFloats("input", Shape.of(1, values.length), values);
        key = NodeKey.fromPrivateKey("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
        domain = Eip712Domain.verity(31337, EvmAddress.parse("0x5FbDB2315678afecb367f032d93F642f64180aa3"));
        receipt = new Receipt(Receipt.VERSION, random(r), random(r), "onnxruntime/1.29.0/cpu", random(r), random(r),
                Keccak256.ZERO, key.address(), Keccak256.ZERO, VerificationMode.NONE,
                BigInteger.valueOf(1_000_000_000_000L), 1_764_000_000_000L);
        signed = SignedReceipt.sign(receipt, domain, key);
        if (!signed.verify().isValid()) throw new IllegalStateException("benchmark receipt does not verify");
        id = signed.id();
    }

    /** Canonical encoding streamed into keccak256; one op = 1 MiB. */
    @Benchmark
    public Keccak256 tensorDigest1MiB() {
        return TensorDigests.tensorDigest(oneMegabyte);
    }

    @Benchmark
    public SignedReceipt sign() {
        return SignedReceipt.sign(receipt, domain, key);
    }

    @Benchmark
    public ReceiptVerdict verify() {
        return signed.verify();
    }

    /**
     * ECDSA alone over the receipt id: k·G in libsecp256k1 when it loads, BouncyCastle with
     * {@code -Dverity.secp256k1=bouncycastle} (docs/benchmarks.md, "Signing and public-key recovery").
     */
    @Benchmark
    public Signature signDigest() {
        return key.sign(id);
    }

    /**
     * ecrecover alone: libsecp256k1 when it loads, BouncyCastle with {@code -Dverity.secp256k1=bouncycastle}
     * (docs/benchmarks.md, "Signing and public-key recovery").
     */
    @Benchmark
    public EvmAddress recover() {
        return signed.signature().recover(id);
    }

    private static Keccak256 random(Random r) {
        byte[] b = new byte[32];
        r.nextBytes(b);
        return Keccak256.wrap(b);
    }
}
