package io.verity.chain;

import java.util.List;
import java.util.Optional;

/** A contract call or transaction reverted with a (decoded) custom error. Retrying will not help. */
public final class ContractRevertedException extends RuntimeException {
    private final TxOutcome.Reverted revert;

    /** {@code function} reverted as {@code revert} says (its error and arguments; the exception keeps no copy of them). */
    public ContractRevertedException(String function, TxOutcome.Reverted revert) {
        super(function + " reverted with " + revert.errorName() + revert.args());
        this.revert = revert;
    }

    public ContractRevertedException(String function, String errorName, List<Object> args) {
        this(function, new TxOutcome.Reverted(errorName, args, Optional.empty()));
    }

    public String errorName() {
        return revert.errorName();
    }

    public List<Object> args() {
        return revert.args();
    }
}
