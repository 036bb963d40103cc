package io.verity.protocol.receipt;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.util.List;
import java.util.Random;

/** Seeded receipts for tests: varied prices (incl. > 2^64), engines (incl. non-ASCII), modes and zero fields. */
public final class SampleReceipts {
    private static final List<String> ENGINES =
            List.of("onnxruntime/1.29.0/cpu", "verity-interp/0.1.0/strict", "moteur/1/ünïcödé 🙂", "e");

    private SampleReceipts() {}

    public static Receipt random(Random r, EvmAddress node) {
        BigInteger price = switch (r.nextInt(4)) {
            case 0 -> BigInteger.ZERO;
            case 1 -> BigInteger.valueOf(r.nextLong() & Long.MAX_VALUE);
            case 2 -> BigInteger.ONE.shiftLeft(64).add(BigInteger.valueOf(r.nextInt(1000)));
            default -> new BigInteger(256, r);
        };
        return new Receipt(Receipt.VERSION, bytes32(r), bytes32(r), ENGINES.get(r.nextInt(ENGINES.size())),
                bytes32(r), bytes32(r), r.nextBoolean() ? Keccak256.ZERO : bytes32(r), node,
                r.nextBoolean() ? Keccak256.ZERO : bytes32(r), VerificationMode.values()[r.nextInt(5)], price,
                1_764_000_000_000L + r.nextInt(1_000_000_000));
    }

    private static final List<String> MODELS = List.of("gpt-4o-mini", "gpt-4o-mini-2024-07-18", "tiny-llama", "",
            "modèle/🙂", "qwen2.5:0.5b");

    /** A seeded v2 receipt: the fields of {@link #random} plus varied models, usage, payment and links. */
    public static Receipt randomV2(Random r, EvmAddress node) {
        byte[] payer = new byte[20];
        r.nextBytes(payer);
        ReceiptV2 v2 = new ReceiptV2(MODELS.get(r.nextInt(MODELS.size())), MODELS.get(r.nextInt(MODELS.size())),
                r.nextBoolean() ? "" : "https://api.example.com/v1", r.nextInt(100_000), r.nextLong() & ReceiptV2.MAX_TOKENS,
                r.nextBoolean() ? EvmAddress.ZERO : EvmAddress.wrap(payer),
                r.nextBoolean() ? BigInteger.ZERO : new BigInteger(256, r),
                r.nextBoolean() ? Keccak256.ZERO : bytes32(r), r.nextBoolean() ? Keccak256.ZERO : bytes32(r));
        return random(r, node).withV2(v2);
    }

    public static Keccak256 bytes32(Random r) {
        byte[] b = new byte[32];
        r.nextBytes(b);
        return Keccak256.wrap(b);
    }
}
