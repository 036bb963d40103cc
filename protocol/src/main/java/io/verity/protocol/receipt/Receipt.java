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
 * uint256 price,uint64 timestamp)} of docs/protocol.md. Every component is range-checked against its Solidity
 * type, so every Receipt can be signed and settled.
 *
 * @param version receipt format, {@link #VERSION}
 * @param engine engine id {@code name/version/settings}, non-empty
 * @param traceRoot Merkle root of the execution trace, {@link Keccak256#ZERO} when the engine keeps none
 * @param node the signer's address
 * @param attestationDigest keccak256 of the TEE evidence, {@link Keccak256#ZERO} for none
 * @param price wei, 0 <= price < 2^256
 * @param timestamp milliseconds since the Unix epoch, >= 0
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
        long timestamp) {

    /** The EIP-712 type string, as Solidity's {@code RECEIPT_TYPEHASH = keccak256("...")} needs it. */
    public static final String EIP712_TYPE = "Receipt(uint16 version,bytes32 requestId,bytes32 modelDigest,string engine,"
            + "bytes32 inputsDigest,bytes32 outputsDigest,bytes32 traceRoot,address node,bytes32 attestationDigest,"
            + "uint8 verification,uint256 price,uint64 timestamp)";

    /** The receipt format this code writes and verifies. */
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
    }

    /** hashStruct(receipt) under EIP-712. */
    public Keccak256 hashStruct() {
        return Eip712.hashStruct(this);
    }

    /** The receipt id: {@code keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ hashStruct(receipt))}. */
    public Keccak256 id(Eip712Domain domain) {
        return Eip712.digest(domain, hashStruct());
    }
}
