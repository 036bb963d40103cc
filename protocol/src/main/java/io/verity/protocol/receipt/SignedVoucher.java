package io.verity.protocol.receipt;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Hex;
import io.verity.protocol.crypto.Signature;
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

    /**
     * The address that signed this voucher for the Payments contract {@code payments} on chain {@code chainId}.
     * Refuses what the contract's ECDSA refuses (v not 27/28, r or s out of range, high s), so a voucher that
     * passes here cannot revert {@code InvalidVoucherSignature} for its form.
     *
     * @throws IllegalArgumentException saying what is wrong with the signature
     */
    public EvmAddress signer(long chainId, EvmAddress payments) {
        Signature sig = Signature.wrap(signature);
        String problem = sig.problem();
        if (problem != null) throw new IllegalArgumentException(problem);
        if (!sig.isLowS()) throw new IllegalArgumentException("s must be <= n/2 (EIP-2), got 0x" + sig.s().toString(16));
        return sig.recover(voucher.digest(chainId, payments));
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
