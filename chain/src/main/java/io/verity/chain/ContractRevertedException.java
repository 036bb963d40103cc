package io.verity.chain;

import java.util.List;

/** A read-only contract call reverted with a (decoded) custom error. Retrying will not help. */
public final class ContractRevertedException extends RuntimeException {
    private final String errorName;
    private final List<Object> args;

    public ContractRevertedException(String function, String errorName, List<Object> args) {
        super(function + " reverted with " + errorName + args);
        this.errorName = errorName;
        this.args = List.copyOf(args);
    }

    public String errorName() {
        return errorName;
    }

    public List<Object> args() {
        return args;
    }
}
