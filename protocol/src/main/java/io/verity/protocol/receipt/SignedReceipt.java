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
public final class SignedReceipt {
    private final Receipt receipt;
    private final Eip712Domain domain;
    private final Signature signature;
    /*
     * The id, computed once: a gateway needs it to check the claimed id, to verify, to archive and to write the
     * answer, and each computation is seven Keccak permutations. A class rather than a record for this field only;
     * it is a function of the two immutable members above, so a race computes it twice at worst.
     */
    private Keccak256 id;

    public SignedReceipt(Receipt receipt, Eip712Domain domain, Signature signature) {
        this.receipt = Objects.requireNonNull(receipt, "receipt");
        this.domain = Objects.requireNonNull(domain, "domain");
        this.signature = Objects.requireNonNull(signature, "signature");
    }

    public Receipt receipt() {
        return receipt;
    }

    public Eip712Domain domain() {
        return domain;
    }

    public Signature signature() {
        return signature;
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
        Keccak256 id = receipt.id(domain);
        SignedReceipt signed = new SignedReceipt(receipt, domain, key.sign(id));
        signed.id = id; // a node writes it into the answer next
        return signed;
    }

    /** The receipt id, the EIP-712 digest the signature covers. */
    public Keccak256 id() {
        Keccak256 known = id;
        if (known == null) id = known = receipt.id(domain);
        return known;
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
     * {@link #verify(Eip712Domain)} when only one chain and contract count. The key is recovered on each call (the id,
     * a function of the receipt and domain, is computed once).
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

    @Override
    public boolean equals(Object o) {
        return o instanceof SignedReceipt other && receipt.equals(other.receipt) && domain.equals(other.domain)
                && signature.equals(other.signature);
    }

    @Override
    public int hashCode() {
        return Objects.hash(receipt, domain, signature);
    }

    @Override
    public String toString() {
        return "SignedReceipt[receipt=" + receipt + ", domain=" + domain + ", signature=" + signature + "]";
    }
}
