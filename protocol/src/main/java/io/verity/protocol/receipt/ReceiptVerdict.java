package io.verity.protocol.receipt;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.util.Objects;

/** The outcome of checking a signed receipt: who signed it, or the first check that failed and why. */
public sealed interface ReceiptVerdict {

    /** The checks, in the order they run. */
    enum Check {
        /** The receipt was signed under the domain the verifier trusts ({@link SignedReceipt#verify(Eip712Domain)}). */
        DOMAIN,
        /** The receipt's format version is one this code understands. */
        VERSION,
        /** v is 27 or 28, r and s in [1, n-1], and a public key recovers. */
        SIGNATURE_FORMAT,
        /** s <= n/2 (EIP-2), so the signature is not a malleated twin. */
        LOW_S,
        /** The recovered address is {@link Receipt#node()}. */
        SIGNER
    }

    default boolean isValid() {
        return this instanceof Verified;
    }

    /** Every check passed: {@code signer} (= receipt.node) signed the receipt with id {@code id}. */
    record Verified(EvmAddress signer, Keccak256 id) implements ReceiptVerdict {
        public Verified {
            Objects.requireNonNull(signer, "signer");
            Objects.requireNonNull(id, "id");
        }
    }

    /** {@code check} failed; {@code reason} says expected and actual. */
    record Invalid(Check check, String reason) implements ReceiptVerdict {
        public Invalid {
            Objects.requireNonNull(check, "check");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
