package io.verity.protocol;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * An enum spelled on the wire as its constant's name in lower case ({@code FLOAT32} is {@code float32}): one rule
 * and one lookup for every such enum, instead of a name field and a search loop in each.
 */
public interface WireName {
    /** The constant's name; every enum has it. */
    String name();

    default String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The constant of {@code type} spelled {@code wireName}, or empty. */
    static <E extends Enum<E> & WireName> Optional<E> find(Class<E> type, String wireName) {
        for (E e : type.getEnumConstants()) if (e.wireName().equals(wireName)) return Optional.of(e);
        return Optional.empty();
    }

    /** The accepted spellings for a message, in declaration order: {@code none, tee, redundant}. */
    static <E extends Enum<E> & WireName> String list(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(WireName::wireName).collect(Collectors.joining(", "));
    }
}
