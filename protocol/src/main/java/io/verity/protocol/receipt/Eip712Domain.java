package io.verity.protocol.receipt;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.Unicode;
import java.util.Objects;

/**
 * The EIP-712 domain {@code EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)}
 * a receipt is signed under. Verity's domain is name "Verity", version "1", the chain's id and the Settlement
 * contract; {@link #LOCAL} (chain 31337, zero address) is for a node with no chain.
 */
public record Eip712Domain(String name, String version, long chainId, EvmAddress verifyingContract) {
    /** The EIP-712 type string of the domain. */
    public static final String EIP712_TYPE =
            "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
    public static final String NAME = "Verity";
    public static final String VERSION = "1";
    public static final long LOCAL_CHAIN_ID = 31337;
    public static final Eip712Domain LOCAL = verity(LOCAL_CHAIN_ID, EvmAddress.ZERO);

    public Eip712Domain {
        Objects.requireNonNull(name, "domain.name");
        Objects.requireNonNull(version, "domain.version");
        Objects.requireNonNull(verifyingContract, "domain.verifyingContract");
        if (!Unicode.isWellFormed(name) || !Unicode.isWellFormed(version)) {
            throw new IllegalArgumentException("domain.name and domain.version must be valid Unicode, got an unpaired surrogate");
        }
        if (chainId < 0) throw new IllegalArgumentException("domain.chainId must be >= 0, got " + chainId);
    }

    /** Verity's domain on the given chain, verified by the given Settlement contract. */
    public static Eip712Domain verity(long chainId, EvmAddress settlement) {
        return new Eip712Domain(NAME, VERSION, chainId, settlement);
    }

    /** hashStruct(domain), the domain separator. */
    public Keccak256 separator() {
        return Eip712.domainSeparator(this);
    }
}
