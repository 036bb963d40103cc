package io.verity.chain;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Hex;
import io.verity.protocol.crypto.NodeKey;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;

/**
 * An externally owned account: a {@link NodeKey}, which signs every EIP-712 digest (receipts, vouchers), plus
 * web3j's credentials for the transactions it sends. {@link #toString()} shows the address only; the key
 * never leaves this object except through {@link #key()} and {@link #privateKeyHex()}.
 */
public final class ChainAccount {
    private final NodeKey key;
    private final Credentials credentials;

    /**
     * For reads only: calls need a from address, never a key that can spend. Its key is public on purpose and
     * it holds nothing on any chain.
     */
    public static final ChainAccount READ_ONLY = fromPrivateKey("0x" + "11".repeat(32));

    private ChainAccount(NodeKey key) {
        this.key = key;
        this.credentials = Credentials.create(ECKeyPair.create(key.privateKeyBytes()));
    }

    /** The account of {@code key}. */
    public static ChainAccount of(NodeKey key) {
        return new ChainAccount(key);
    }

    /**
     * @param privateKeyHex 32 bytes as hex, with or without 0x
     * @throws IllegalArgumentException when the key is not 32 bytes of hex, is zero or is not below the curve order
     */
    public static ChainAccount fromPrivateKey(String privateKeyHex) {
        byte[] key = Hex.decode(privateKeyHex);
        if (key.length != 32) {
            throw new IllegalArgumentException("privateKey must be 32 bytes (64 hex digits), got " + key.length + " bytes");
        }
        boolean zero = true;
        for (byte b : key) zero &= b == 0;
        if (zero) throw new IllegalArgumentException("privateKey must not be zero");
        return new ChainAccount(NodeKey.fromPrivateKey(key));
    }

    public EvmAddress address() {
        return key.address();
    }

    /** The signing key: sign EIP-712 digests with it (deterministic, low s, v in {27, 28}). */
    public NodeKey key() {
        return key;
    }

    /** The key as 0x-hex, for writing a dev key file; handle with care. */
    public String privateKeyHex() {
        return Hex.encode(key.privateKeyBytes());
    }

    Credentials credentials() {
        return credentials;
    }

    @Override
    public String toString() {
        return "ChainAccount(" + address() + ")";
    }
}
