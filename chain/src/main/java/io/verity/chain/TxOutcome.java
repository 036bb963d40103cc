package io.verity.chain;

import io.verity.protocol.Keccak256;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What became of a transaction. {@link Confirmed} and {@link Reverted} are final; {@link Pending} means
 * the transaction was sent but no receipt arrived in time, so it may still be mined: check again with its
 * hash before sending a replacement.
 */
public sealed interface TxOutcome {

    /** Mined and succeeded; {@code events} are the decoded logs of every Verity contract it touched. */
    record Confirmed(Keccak256 txHash, long blockNumber, long gasUsed, List<ChainEvent> events) implements TxOutcome {
        public Confirmed {
            Objects.requireNonNull(txHash, "txHash");
            events = List.copyOf(events);
        }

        /** The only event with this name. @throws IllegalStateException when there is none or several */
        public ChainEvent event(String name) {
            List<ChainEvent> found = events.stream().filter(e -> e.name().equals(name)).toList();
            if (found.size() != 1) {
                throw new IllegalStateException("expected one " + name + " event, got " + found.size() + " in " + events);
            }
            return found.getFirst();
        }
    }

    /**
     * The contract rejected the call. {@code errorName} is the custom error's name ({@code Error} for a
     * string reason, {@code Panic} for a Solidity panic, empty when the revert carried no data); {@code args}
     * are its decoded arguments (EvmAddress, Keccak256, BigInteger, Boolean, String, byte[] or List).
     * {@code txHash} is empty when the rejection was found by simulation and nothing was sent.
     */
    record Reverted(String errorName, List<Object> args, Optional<Keccak256> txHash) implements TxOutcome {
        public Reverted {
            Objects.requireNonNull(errorName, "errorName");
            args = List.copyOf(args);
            Objects.requireNonNull(txHash, "txHash");
        }
    }

    /** Sent, but not mined within the connection's receipt timeout. */
    record Pending(Keccak256 txHash) implements TxOutcome {
        public Pending {
            Objects.requireNonNull(txHash, "txHash");
        }
    }

    /** This outcome as Confirmed. @throws IllegalStateException naming the outcome otherwise */
    default Confirmed confirmed() {
        if (this instanceof Confirmed c) return c;
        throw new IllegalStateException("transaction not confirmed: " + this);
    }
}
