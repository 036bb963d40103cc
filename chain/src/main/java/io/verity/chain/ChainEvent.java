package io.verity.chain;

import io.verity.protocol.EvmAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A decoded contract event: its name, the emitting contract, and its arguments by parameter name in
 * declaration order (EvmAddress, Keccak256, BigInteger, Boolean, String, byte[] or List of these).
 */
public record ChainEvent(String name, EvmAddress contract, long blockNumber, Map<String, Object> args) {
    public ChainEvent {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(contract, "contract");
        args = Collections.unmodifiableMap(new LinkedHashMap<>(args));
    }

    /** The argument {@code param}, cast to the caller's type. @throws IllegalArgumentException when absent */
    @SuppressWarnings("unchecked")
    public <T> T arg(String param) {
        if (!args.containsKey(param)) {
            throw new IllegalArgumentException(name + " has no argument '" + param + "'; it has " + args.keySet());
        }
        return (T) args.get(param);
    }
}
