package io.verity.chain;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Hex;
import io.verity.protocol.Keccak256;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Sign;

/**
 * An externally owned account that signs transactions and EIP-712 digests. {@link #toString()} shows the
 * address only; the key never leaves this object except through {@link #privateKeyHex()}.
 */
public final class ChainAccount {
    private final Credentials credentials;
    private final EvmAddress address;

    /**
     * For reads only: calls need a from address, never a key that can spend. Its key is public on purpose and
     * it holds nothing on any chain.
     */
    public static final ChainAccount READ_ONLY = fromPrivateKey("0x" + "11".repeat(32));

    private ChainAccount(Credentials credentials) {
        this.credentials = credentials;
        this.address = EvmAddress.parse(credentials.getAddress());
    }

    /**
     * @param privateKeyHex 32 bytes as hex, with or without 0x
     * @throws IllegalArgumentException when the key is not 32 bytes of hex or is zero
     */
    public static ChainAccount fromPrivateKey(String privateKeyHex) {
        byte[] key = Hex.decode(privateKeyHex);
        if (key.length != 32) {
            throw new IllegalArgumentException("privateKey must be 32 bytes (64 hex digits), got " + key.length + " bytes");
        }
        boolean zero = true;
        for (byte b : key) zero &= b == 0;
        if (zero) throw new IllegalArgumentException("privateKey must not be zero");
        return new ChainAccount(Credentials.create(ECKeyPair.create(key)));
    }

    public EvmAddress address() {
        return address;
    }

    /** The key as 0x-hex, for writing a dev key file; handle with care. */
    public String privateKeyHex() {
        return Hex.encode(Hex.decode(String.format("%064x", credentials.getEcKeyPair().getPrivateKey())));
    }

    /**
     * Signs a 32-byte digest (no message prefix), as EIP-712 requires.
     *
     * @return 65 bytes {@code r ‖ s ‖ v} with low s (EIP-2) and {@code v ∈ {27, 28}}
     */
    public byte[] sign(Keccak256 digest) {
        Sign.SignatureData sig = Sign.signMessage(digest.toArray(), credentials.getEcKeyPair(), false);
        byte[] out = new byte[65];
        System.arraycopy(sig.getR(), 0, out, 0, 32);
        System.arraycopy(sig.getS(), 0, out, 32, 32);
        out[64] = sig.getV()[0];
        return out;
    }

    Credentials credentials() {
        return credentials;
    }

    @Override
    public String toString() {
        return "ChainAccount(" + address + ")";
    }
}
