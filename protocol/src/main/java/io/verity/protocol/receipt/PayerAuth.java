package io.verity.protocol.receipt;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Hex;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.crypto.Signature;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Proof that a request naming a payer in {@code Verity-Payer} was sent by that payer, so that a stranger cannot
 * spend a gateway's credit at a node by naming the gateway's account. The payer signs, per request, the node it
 * calls, a time and a random nonce; the node accepts a proof once, within a window of its time.
 *
 * <p>Header {@value #HEADER}: {@code <issued-at epoch ms>.<nonce, 32 hex>.<signature, 130 hex>}. The signature is
 * EIP-191 ({@code personal_sign}) over the 32-byte {@link #digest}, so a wallet (viem {@code signMessage({message:
 * {raw}})}) can make one. The request body is not covered: that is the transport's job (TLS); what this adds is
 * that only the payer can make a node spend its money.
 */
public final class PayerAuth {
    public static final String HEADER = "Verity-Payer-Auth";
    private static final byte[] TAG = "verity-payer-auth/1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EIP191 = "\u0019Ethereum Signed Message:\n32".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE_BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private final long issuedAtMillis;
    private final byte[] nonce;
    private final Signature signature;

    private PayerAuth(long issuedAtMillis, byte[] nonce, Signature signature) {
        this.issuedAtMillis = issuedAtMillis;
        this.nonce = nonce;
        this.signature = signature;
    }

    /** A fresh proof for one request of {@code payer}'s key to {@code node}, issued at {@code nowMillis}. */
    public static PayerAuth sign(NodeKey payer, EvmAddress node, long nowMillis) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return new PayerAuth(nowMillis, nonce, payer.sign(eip191(digest(payer.address(), node, nowMillis, nonce))));
    }

    /**
     * Reads a header value.
     *
     * @throws IllegalArgumentException naming what is malformed
     */
    public static PayerAuth parse(String header) {
        Objects.requireNonNull(header, "header");
        String[] parts = header.strip().split("\\.", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException(HEADER + " must be <issued-at ms>.<nonce: 32 hex>.<signature: 130 hex>, got "
                    + parts.length + " part(s)");
        }
        long at;
        try {
            at = Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(HEADER + ": issued-at must be epoch milliseconds, got '" + clip(parts[0]) + "'");
        }
        if (at < 0) throw new IllegalArgumentException(HEADER + ": issued-at must be >= 0, got " + at);
        byte[] nonce = hex(parts[1], NONCE_BYTES, "nonce");
        Signature sig = Signature.wrap(hex(parts[2], Signature.LENGTH, "signature"));
        String problem = sig.problem();
        if (problem != null) throw new IllegalArgumentException(HEADER + ": " + problem);
        if (!sig.isLowS()) throw new IllegalArgumentException(HEADER + ": signature s must be <= n/2 (EIP-2)");
        return new PayerAuth(at, nonce, sig);
    }

    /** The header value. */
    public String header() {
        return issuedAtMillis + "." + HEX.formatHex(nonce) + "." + HEX.formatHex(signature.toArray());
    }

    public long issuedAtMillis() {
        return issuedAtMillis;
    }

    /**
     * The account that signed this proof for a request to {@code node} naming {@code payer}; it proves the payer
     * only if it equals {@code payer}.
     *
     * @throws IllegalArgumentException when no key recovers from the signature
     */
    public EvmAddress signer(EvmAddress payer, EvmAddress node) {
        return signature.recover(eip191(digest(payer, node, issuedAtMillis, nonce)));
    }

    /**
     * What makes this proof unique, for a node's record of proofs already used: the signed digest (a payer can
     * sign one digest many times with a randomised signer, but it names one request either way).
     */
    public Keccak256 useKey(EvmAddress payer, EvmAddress node) {
        return digest(payer, node, issuedAtMillis, nonce);
    }

    /** keccak256(tag ‖ payer ‖ node ‖ issued-at (8 bytes, big-endian) ‖ nonce). */
    static Keccak256 digest(EvmAddress payer, EvmAddress node, long issuedAtMillis, byte[] nonce) {
        return Keccak256.hash(TAG, payer.toArray(), node.toArray(),
                ByteBuffer.allocate(Long.BYTES).putLong(issuedAtMillis).array(), nonce);
    }

    private static Keccak256 eip191(Keccak256 digest) {
        return Keccak256.hash(EIP191, digest.toArray());
    }

    private static byte[] hex(String s, int bytes, String what) {
        if (s.length() != 2 * bytes || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException(HEADER + ": " + what + " must be " + 2 * bytes + " hex digits, got '" + clip(s) + "'");
        }
        return Hex.decode(s);
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PayerAuth p && p.issuedAtMillis == issuedAtMillis && Arrays.equals(p.nonce, nonce)
                && p.signature.equals(signature);
    }

    @Override
    public int hashCode() {
        return Objects.hash(issuedAtMillis, Arrays.hashCode(nonce), signature);
    }

    @Override
    public String toString() {
        return header();
    }
}
