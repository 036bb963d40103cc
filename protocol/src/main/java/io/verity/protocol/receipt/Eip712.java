package io.verity.protocol.receipt;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * EIP-712 typed-data hashing for Verity's structs, {@link Receipt} (v1, and v2 nesting it) and {@link Voucher}: the one encoder
 * (the chain module only ABI-encodes). Field order and types exactly as in the type strings.
 */
final class Eip712 {
    static final String DOMAIN_TYPE = Eip712Domain.EIP712_TYPE;
    static final String RECEIPT_TYPE = Receipt.EIP712_TYPE;
    static final Keccak256 DOMAIN_TYPEHASH = keccak(DOMAIN_TYPE);
    static final Keccak256 RECEIPT_TYPEHASH = keccak(RECEIPT_TYPE);
    static final Keccak256 RECEIPT_V2_TYPEHASH = keccak(ReceiptV2.EIP712_TYPE);
    static final Keccak256 VOUCHER_TYPEHASH = keccak(Voucher.EIP712_TYPE);

    private Eip712() {}

    static Keccak256 domainSeparator(Eip712Domain d) {
        Separator last = lastSeparator;
        if (last != null && last.domain.equals(d)) return last.hash;
        Keccak256 hash = separatorOf(d);
        lastSeparator = new Separator(d, hash);
        return hash;
    }

    /** The last domain's separator: a process signs and checks under one domain, and every receipt id needs it. */
    private record Separator(Eip712Domain domain, Keccak256 hash) {}

    private static volatile Separator lastSeparator;

    private static Keccak256 separatorOf(Eip712Domain d) {
        ByteBuffer b = ByteBuffer.allocate(5 * 32);
        b.put(DOMAIN_TYPEHASH.toArray());
        b.put(keccak(d.name()).toArray());
        b.put(keccak(d.version()).toArray());
        putUint(b, BigInteger.valueOf(d.chainId()));
        putAddress(b, d.verifyingContract());
        return Keccak256.hash(b.array());
    }

    /** hashStruct of the v1 Receipt struct (for a v2 receipt: of its nested v1 fields). */
    static Keccak256 hashStruct(Receipt r) {
        ByteBuffer b = ByteBuffer.allocate(13 * 32);
        b.put(RECEIPT_TYPEHASH.toArray());
        putUint(b, BigInteger.valueOf(r.version()));
        b.put(r.requestId().toArray());
        b.put(r.modelDigest().toArray());
        b.put(keccak(r.engine()).toArray());
        b.put(r.inputsDigest().toArray());
        b.put(r.outputsDigest().toArray());
        b.put(r.traceRoot().toArray());
        putAddress(b, r.node());
        b.put(r.attestationDigest().toArray());
        putUint(b, BigInteger.valueOf(r.verification().code()));
        putUint(b, r.price());
        putUint(b, BigInteger.valueOf(r.timestamp()));
        return Keccak256.hash(b.array());
    }

    /** hashStruct of the ReceiptV2 struct: its typehash, the nested Receipt's hashStruct, then the added fields. */
    static Keccak256 hashStructV2(Receipt r) {
        ReceiptV2 x = r.v2();
        ByteBuffer b = ByteBuffer.allocate(11 * 32);
        b.put(RECEIPT_V2_TYPEHASH.toArray());
        b.put(hashStruct(r).toArray());
        b.put(keccak(x.requestedModel()).toArray());
        b.put(keccak(x.servedModel()).toArray());
        b.put(keccak(x.provider()).toArray());
        putUint(b, BigInteger.valueOf(x.promptTokens()));
        putUint(b, BigInteger.valueOf(x.completionTokens()));
        putAddress(b, x.payer());
        putUint(b, x.cumulativeAmount());
        b.put(x.prevReceipt().toArray());
        b.put(x.attachmentsDigest().toArray());
        return Keccak256.hash(b.array());
    }

    static Keccak256 hashStruct(Voucher v) {
        ByteBuffer b = ByteBuffer.allocate(4 * 32);
        b.put(VOUCHER_TYPEHASH.toArray());
        putAddress(b, v.client());
        putAddress(b, v.node());
        putUint(b, v.cumulativeAmount());
        return Keccak256.hash(b.array());
    }

    /** {@code keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ hashStruct)}, what a signer signs. */
    static Keccak256 digest(Eip712Domain domain, Keccak256 hashStruct) {
        return Keccak256.hash(new byte[] {0x19, 0x01}, domainSeparator(domain).toArray(), hashStruct.toArray());
    }

    private static Keccak256 keccak(String s) {
        return Keccak256.hash(s.getBytes(StandardCharsets.UTF_8)); // well-formed: checked by the records
    }

    /** A non-negative integer < 2^256 as a 32-byte big-endian word. */
    private static void putUint(ByteBuffer b, BigInteger v) {
        byte[] raw = v.toByteArray(); // may carry a leading 0 sign byte
        int skip = raw.length > 32 ? raw.length - 32 : 0;
        for (int i = raw.length - skip; i < 32; i++) b.put((byte) 0);
        b.put(raw, skip, raw.length - skip);
    }

    private static void putAddress(ByteBuffer b, EvmAddress a) {
        b.put(new byte[12]);
        b.put(a.toArray());
    }
}
