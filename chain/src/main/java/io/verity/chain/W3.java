package io.verity.chain;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.DynamicStruct;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint16;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.abi.datatypes.generated.Uint8;
import io.verity.protocol.merkle.TraceProof;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.SignedReceipt;

/** Conversions between Verity value types and web3j ABI types; the only place clients touch web3j types. */
@SuppressWarnings("rawtypes") // web3j's ABI API traffics in raw Type (List<Type>)
public final class W3 {
    private W3() {}

    public static Address address(EvmAddress a) {
        return new Address(a.toString());
    }

    public static Bytes32 bytes32(Keccak256 k) {
        return new Bytes32(k.toArray());
    }

    public static Uint256 uint256(BigInteger v) {
        if (v == null) throw new IllegalArgumentException("value must not be null");
        if (v.signum() < 0 || v.bitLength() > 256) {
            throw new IllegalArgumentException("value must be a uint256 (0 <= x < 2^256), got " + v);
        }
        return new Uint256(v);
    }

    public static Uint256 uint256(long v) {
        return uint256(BigInteger.valueOf(v));
    }

    public static Uint64 uint64(long v) {
        if (v < 0) throw new IllegalArgumentException("value must be a uint64, got " + v);
        return new Uint64(v);
    }

    public static DynamicArray<Bytes32> bytes32s(List<Keccak256> ks) {
        return new DynamicArray<>(Bytes32.class, ks.stream().map(W3::bytes32).toList());
    }

    /**
     * Settlement's Receipt struct, in the field order of {@link Receipt#EIP712_TYPE}; for a format-2 receipt its
     * ReceiptV2 struct ({@link io.verity.protocol.receipt.ReceiptV2#EIP712_TYPE}), which the contracts take in the
     * functions {@link #forVersion} names.
     */
    public static DynamicStruct receipt(Receipt r) {
        DynamicStruct v1 = new DynamicStruct(
                new Uint16(r.version()), bytes32(r.requestId()), bytes32(r.modelDigest()), new Utf8String(r.engine()),
                bytes32(r.inputsDigest()), bytes32(r.outputsDigest()), bytes32(r.traceRoot()), address(r.node()),
                bytes32(r.attestationDigest()), new Uint8(r.verification().code()), uint256(r.price()),
                new Uint64(r.timestamp()));
        if (!r.isV2()) return v1;
        var x = r.v2();
        return new DynamicStruct(v1, bytes32(text(x.requestedModel())), bytes32(text(x.servedModel())),
                bytes32(text(x.provider())), uint64(x.promptTokens()), uint64(x.completionTokens()), address(x.payer()),
                uint256(x.cumulativeAmount()), bytes32(x.prevReceipt()), bytes32(x.attachmentsDigest()));
    }

    /** The contract function taking {@code r}: {@code name} for a v1 receipt, {@code nameV2} for a format-2 one. */
    public static String forVersion(String name, Receipt r) {
        return r.isV2() ? name + "V2" : name;
    }

    /** A string as a v2 receipt signs it: keccak256 of its UTF-8. */
    private static Keccak256 text(String s) {
        return Keccak256.hash(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public static DynamicBytes signature(SignedReceipt r) {
        return bytes(r.signature().toArray());
    }

    /** DisputeGame.Reveal(uint64 index, uint64 leafCount, bytes32 previous, bytes32 digest, bytes32[] siblings). */
    public static DynamicStruct reveal(TraceProof p) {
        return new DynamicStruct(uint64(p.index()), uint64(p.leafCount()), bytes32(p.previous()), bytes32(p.digest()),
                bytes32s(p.siblings()));
    }

    public static DynamicBytes bytes(byte[] b) {
        return new DynamicBytes(b);
    }

    /** A function call with the given inputs and ABI output types ("uint256", "address[]", ...). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Function fn(String name, List<Type> inputs, String... outputs) {
        List<TypeReference<?>> refs = new java.util.ArrayList<>();
        for (String o : outputs) {
            try {
                refs.add(TypeReference.makeTypeReference(o));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("unsupported ABI type " + o, e);
            }
        }
        return new Function(name, inputs, (List) refs);
    }

    public static Function fn(String name, Type... inputs) {
        return fn(name, List.of(inputs));
    }

    public static Object java(List<Type> decoded, int i) {
        return Abi.toJava(decoded.get(i));
    }

    public static BigInteger uint(List<Type> decoded, int i) {
        return (BigInteger) java(decoded, i);
    }

    public static Instant seconds(List<Type> decoded, int i) {
        return Instant.ofEpochSecond(uint(decoded, i).longValueExact());
    }
}
