package io.verity.chain;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A receipt in the exact field layout of the EIP-712 {@code Receipt} struct (docs/protocol.md), as the
 * Settlement contract takes it. {@code verification} is the mode's number (0 none … 4 optimistic) and
 * {@code timestamp} is milliseconds since the epoch.
 */
public record OnChainReceipt(
        int version,
        Keccak256 requestId,
        Keccak256 modelDigest,
        String engine,
        Keccak256 inputsDigest,
        Keccak256 outputsDigest,
        Keccak256 traceRoot,
        EvmAddress node,
        Keccak256 attestationDigest,
        int verification,
        BigInteger price,
        long timestamp) {

    static final String TYPE = "Receipt(uint16 version,bytes32 requestId,bytes32 modelDigest,string engine,"
            + "bytes32 inputsDigest,bytes32 outputsDigest,bytes32 traceRoot,address node,bytes32 attestationDigest,"
            + "uint8 verification,uint256 price,uint64 timestamp)";
    private static final Keccak256 TYPEHASH = Keccak256.hash(TYPE.getBytes(StandardCharsets.US_ASCII));

    /** The protocol receipt in the contract's field order (the one place that mapping lives). */
    public static OnChainReceipt of(io.verity.protocol.receipt.Receipt r) {
        return new OnChainReceipt(r.version(), r.requestId(), r.modelDigest(), r.engine(), r.inputsDigest(),
                r.outputsDigest(), r.traceRoot(), r.node(), r.attestationDigest(), r.verification().code(), r.price(),
                r.timestamp());
    }

    public OnChainReceipt {
        if (version < 0 || version > 0xffff) throw new IllegalArgumentException("version must be a uint16, got " + version);
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(modelDigest, "modelDigest");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(inputsDigest, "inputsDigest");
        Objects.requireNonNull(outputsDigest, "outputsDigest");
        Objects.requireNonNull(traceRoot, "traceRoot");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(attestationDigest, "attestationDigest");
        if (verification < 0 || verification > 0xff) {
            throw new IllegalArgumentException("verification must be a uint8, got " + verification);
        }
        Eip712.requireUint256("price", price);
        if (timestamp < 0) throw new IllegalArgumentException("timestamp must be >= 0 (uint64 ms), got " + timestamp);
    }

    /** EIP-712 hashStruct of this receipt. */
    public Keccak256 hashStruct() {
        return Keccak256.hash(
                TYPEHASH.toArray(),
                Eip712.word(BigInteger.valueOf(version)),
                requestId.toArray(),
                modelDigest.toArray(),
                Keccak256.hash(engine.getBytes(StandardCharsets.UTF_8)).toArray(),
                inputsDigest.toArray(),
                outputsDigest.toArray(),
                traceRoot.toArray(),
                Eip712.word(node),
                attestationDigest.toArray(),
                Eip712.word(BigInteger.valueOf(verification)),
                Eip712.word(price),
                Eip712.word(BigInteger.valueOf(timestamp)));
    }

    /** The receipt id: the EIP-712 digest in the domain ("Verity", "1", chainId, settlement). */
    public Keccak256 id(long chainId, EvmAddress settlement) {
        return Eip712.digest(Eip712.domainSeparator(chainId, settlement), hashStruct());
    }

    /** Signs this receipt's id, as its node does. @return 65 bytes r ‖ s ‖ v */
    public byte[] sign(ChainAccount signer, long chainId, EvmAddress settlement) {
        return signer.sign(id(chainId, settlement));
    }
}
