package io.verity.protocol.receipt;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.crypto.Signature;
import java.util.Objects;

/**
 * A receipt, the domain it was signed under and the node's signature. Holding one says nothing about its
 * validity: call {@link #verify()}.
 */
public record SignedReceipt(Receipt receipt, Eip712Domain domain, Signature signature) {
    public SignedReceipt {
        Objects.requireNonNull(receipt, "receipt");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(signature, "signature");
    }

    /**
     * Signs {@code receipt} under {@code domain}.
     *
     * @throws IllegalArgumentException when {@code receipt.node()} is not {@code key}'s address
     */
    public static SignedReceipt sign(Receipt receipt, Eip712Domain domain, NodeKey key) {
        if (!receipt.node().equals(key.address())) {
            throw new IllegalArgumentException(
                    "receipt.node must be the signing key's address " + key.address() + ", got " + receipt.node());
        }
        return new SignedReceipt(receipt, domain, key.sign(receipt.id(domain)));
    }

    /** The receipt id, the EIP-712 digest the signature covers (recomputed on each call). */
    public Keccak256 id() {
        return receipt.id(domain);
    }

    /**
     * {@link #verify()}, after checking that the receipt was signed under {@code trusted}, the domain of the
     * chain and Settlement contract the caller settles on. A receipt signed for another chain or contract
     * carries a valid signature but must not count here.
     */
    public ReceiptVerdict verify(Eip712Domain trusted) {
        if (!domain.equals(trusted)) {
            return new ReceiptVerdict.Invalid(ReceiptVerdict.Check.DOMAIN,
                    "receipt is signed under " + domain + ", expected " + trusted);
        }
        return verify();
    }

    /**
     * Checks, in order: receipt version is {@link Receipt#VERSION} or {@link ReceiptV2#VERSION}; the signature is well-formed; s is low;
     * the recovered signer is {@code receipt.node}. It does not judge the domain: use
     * {@link #verify(Eip712Domain)} when only one chain and contract count. Nothing is cached: each call recomputes the id and
     * recovers the key.
     */
    public ReceiptVerdict verify() {
        if (receipt.version() != Receipt.VERSION && receipt.version() != ReceiptV2.VERSION) {
            return new ReceiptVerdict.Invalid(ReceiptVerdict.Check.VERSION, "receipt version must be " + Receipt.VERSION
                    + " or " + ReceiptV2.VERSION + ", got " + receipt.version());
        }
        String problem = signature.problem();
        if (problem != null) return new ReceiptVerdict.Invalid(ReceiptVerdict.Check.SIGNATURE_FORMAT, problem);
        if (!signature.isLowS()) {
            return new ReceiptVerdict.Invalid(ReceiptVerdict.Check.LOW_S,
                    "s must be <= n/2 (EIP-2), got 0x" + signature.s().toString(16));
        }
        Keccak256 id = id();
        EvmAddress signer;
        try {
            signer = signature.recover(id);
        } catch (IllegalArgumentException e) {
            return new ReceiptVerdict.Invalid(ReceiptVerdict.Check.SIGNATURE_FORMAT, e.getMessage());
        }
        if (!signer.equals(receipt.node())) {
            return new ReceiptVerdict.Invalid(ReceiptVerdict.Check.SIGNER,
                    "signature recovers to " + signer + ", expected receipt.node " + receipt.node());
        }
        return new ReceiptVerdict.Verified(signer, id);
    }
}
