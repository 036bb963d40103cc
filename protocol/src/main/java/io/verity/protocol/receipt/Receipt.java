package io.verity.protocol.receipt;

import io.verity.protocol.Checks;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.Unicode;
import java.math.BigInteger;

/**
 * What a node attests about one answer: the EIP-712 struct
 * {@code Receipt(uint16 version,bytes32 requestId,bytes32 modelDigest,string engine,bytes32 inputsDigest,
 * bytes32 outputsDigest,bytes32 traceRoot,address node,bytes32 attestationDigest,uint8 verification,
 * uint256 price,uint64 timestamp)} of docs/protocol.md, or with {@link #v2()} the format-2 struct
 * {@link ReceiptV2#EIP712_TYPE}, which nests these fields and adds the requested and served model, usage, payment,
 * predecessor and attachments (docs/receipts.md). Every component is range-checked against its Solidity type, so
 * every Receipt can be signed and settled.
 *
 * @param version receipt format: {@link #VERSION} (v1) or {@link ReceiptV2#VERSION} (exactly when {@code v2} is
 *     present)
 * @param engine engine id {@code name/version/settings}, non-empty
 * @param traceRoot Merkle root of the execution trace, {@link Keccak256#ZERO} when the engine keeps none, or
 *     {@link #TRACE_ON_CHALLENGE} when the node commits to it only if the receipt is challenged
 * @param node the signer's address
 * @param attestationDigest keccak256 of the TEE evidence, {@link Keccak256#ZERO} for none
 * @param price wei, 0 <= price < 2^256
 * @param timestamp milliseconds since the Unix epoch, >= 0
 * @param v2 what format 2 adds; null for a v1 receipt
 */
public record Receipt(
        int version,
        Keccak256 requestId,
        Keccak256 modelDigest,
        String engine,
        Keccak256 inputsDigest,
        Keccak256 outputsDigest,
        Keccak256 traceRoot,
        EvmAddress node,
        Keccak256 attestationDigest,
        VerificationMode verification,
        BigInteger price,
        long timestamp,
        ReceiptV2 v2) {

    /** The EIP-712 type string, as Solidity's {@code RECEIPT_TYPEHASH = keccak256("...")} needs it. */
    public static final String EIP712_TYPE = "Receipt(uint16 version,bytes32 requestId,bytes32 modelDigest,string engine,"
            + "bytes32 inputsDigest,bytes32 outputsDigest,bytes32 traceRoot,address node,bytes32 attestationDigest,"
            + "uint8 verification,uint256 price,uint64 timestamp)";

    /**
     * The traceRoot of a receipt whose trace the node commits on chain only when challenged
     * ({@code keccak256("verity:trace-on-challenge")}, DisputeGame's {@code TRACE_ON_CHALLENGE}): a constant in the
     * existing field, so receipt formats, ids and signatures stay as they are (docs/deterministic-engine.md,
     * "Trace on challenge").
     */
    public static final Keccak256 TRACE_ON_CHALLENGE =
            Keccak256.hash("verity:trace-on-challenge".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    /** Receipt format 1, the one without {@link #v2()}; {@link ReceiptV2#VERSION} is the other this code verifies. */
    public static final int VERSION = 1;

    public Receipt {
        if (version < 0 || version > 0xffff) throw new IllegalArgumentException("version must be a uint16, got " + version);
        Checks.nonNull("requestId", requestId, "modelDigest", modelDigest, "engine", engine, "inputsDigest", inputsDigest,
                "outputsDigest", outputsDigest, "traceRoot", traceRoot, "node", node, "attestationDigest", attestationDigest,
                "verification", verification, "price", price);
        if (engine.isEmpty()) throw new IllegalArgumentException("engine must not be empty, expected name/version/settings");
        if (!Unicode.isWellFormed(engine)) throw new IllegalArgumentException("engine must be valid Unicode, got an unpaired surrogate");
        if (price.signum() < 0 || price.bitLength() > 256) {
            throw new IllegalArgumentException("price must be a uint256 (0 <= price < 2^256), got " + price);
        }
        if (timestamp < 0) throw new IllegalArgumentException("timestamp must be >= 0 (ms since the epoch), got " + timestamp);
        if ((v2 != null) != (version == ReceiptV2.VERSION)) {
            throw new IllegalArgumentException("a receipt has the format-2 fields exactly when its version is "
                    + ReceiptV2.VERSION + ", got version " + version + (v2 == null ? " without" : " with") + " them");
        }
    }

    /** A receipt without the format-2 fields (v1, or another version a verifier must refuse). */
    public Receipt(int version, Keccak256 requestId, Keccak256 modelDigest, String engine, Keccak256 inputsDigest,
            Keccak256 outputsDigest, Keccak256 traceRoot, EvmAddress node, Keccak256 attestationDigest,
            VerificationMode verification, BigInteger price, long timestamp) {
        this(version, requestId, modelDigest, engine, inputsDigest, outputsDigest, traceRoot, node, attestationDigest,
                verification, price, timestamp, null);
    }

    /** This receipt as format 2 with {@code v2}'s fields (the v1 fields unchanged). */
    public Receipt withV2(ReceiptV2 v2) {
        java.util.Objects.requireNonNull(v2, "v2");
        return new Receipt(ReceiptV2.VERSION, requestId, modelDigest, engine, inputsDigest, outputsDigest, traceRoot,
                node, attestationDigest, verification, price, timestamp, v2);
    }

    /** Whether the node commits to this receipt's trace only when it is challenged ({@link #TRACE_ON_CHALLENGE}). */
    public boolean traceOnChallenge() {
        return traceRoot.equals(TRACE_ON_CHALLENGE);
    }

    /** Whether this is a format-2 receipt. */
    public boolean isV2() {
        return v2 != null;
    }

    /** hashStruct(receipt) under EIP-712: of the ReceiptV2 struct when {@link #isV2()}, else of Receipt. */
    public Keccak256 hashStruct() {
        return v2 == null ? Eip712.hashStruct(this) : Eip712.hashStructV2(this);
    }

    /** The receipt id: {@code keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ hashStruct(receipt))}. */
    public Keccak256 id(Eip712Domain domain) {
        return Eip712.digest(domain, hashStruct());
    }
}
