package io.verity.chain.contracts;

import io.verity.protocol.Keccak256;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** The chain's answer to "is this signed receipt settled in that batch?". */
public sealed interface SettledCheck {
    /** Signed by its node, in a batch that node committed at {@code committedAt} (block {@code blockNumber}). */
    record Settled(Keccak256 receiptId, long batchId, Instant committedAt, long blockNumber) implements SettledCheck {
        public Settled {
            Objects.requireNonNull(receiptId, "receiptId");
        }
    }

    /**
     * The contract's reason: InvalidSignature(id, recovered, expected), UnknownBatch(batchId),
     * BatchNotPostedBySigner(batchId, poster, signer) or ReceiptNotInBatch(id, batchId).
     */
    record Rejected(String reason, List<Object> args) implements SettledCheck {
        public Rejected {
            Objects.requireNonNull(reason, "reason");
            args = List.copyOf(args);
        }
    }
}
