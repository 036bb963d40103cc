package io.verity.protocol;

/**
 * The argument checks records and settings repeat in their constructors, each with the one message shape users
 * read ({@code port must be 0..65535, got 70000}): a null names the component, a number out of range names the
 * field, the range and what arrived.
 */
public final class Checks {
    private Checks() {}

    /**
     * Checks that every value is present.
     *
     * @param namesAndValues name, value, name, value, …: each component next to its name
     * @throws NullPointerException naming the first component that is null, as {@code Objects.requireNonNull} does
     */
    public static void nonNull(Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) throw new IllegalArgumentException("expected name, value pairs");
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] == null) throw new NullPointerException((String) namesAndValues[i]);
        }
    }

    /** @throws IllegalArgumentException {@code <name> must be <min>..<max>, got <value>} */
    public static long inRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", got " + value);
        }
        return value;
    }

    /** @throws IllegalArgumentException {@code <name> must be >= <min>, got <value>} */
    public static long atLeast(String name, long value, long min) {
        if (value < min) throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
        return value;
    }
}
