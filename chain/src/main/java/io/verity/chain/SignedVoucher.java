package io.verity.chain;

import io.verity.protocol.Hex;
import java.util.Arrays;
import java.util.Objects;

/** A voucher with the client's 65-byte signature (r ‖ s ‖ v). */
public final class SignedVoucher {
    private final Voucher voucher;
    private final byte[] signature;

    public SignedVoucher(Voucher voucher, byte[] signature) {
        this.voucher = Objects.requireNonNull(voucher, "voucher");
        if (signature == null || signature.length != 65) {
            throw new IllegalArgumentException("signature must be 65 bytes (r||s||v), got "
                    + (signature == null ? "null" : signature.length));
        }
        this.signature = signature.clone();
    }

    public Voucher voucher() {
        return voucher;
    }

    public byte[] signature() {
        return signature.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignedVoucher s && voucher.equals(s.voucher) && Arrays.equals(signature, s.signature);
    }

    @Override
    public int hashCode() {
        return 31 * voucher.hashCode() + Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "SignedVoucher(" + voucher + ", " + Hex.encode(signature) + ")";
    }
}
