package io.verity.protocol.receipt;

/** How an answer was (or will be) checked; {@link #code()} is the receipt's uint8, {@link #wireName()} its JSON. */
public enum VerificationMode {
    NONE(0, "none"),
    TEE(1, "tee"),
    REDUNDANT(2, "redundant"),
    SAMPLE(3, "sample"),
    OPTIMISTIC(4, "optimistic");

    private final int code;
    private final String wireName;

    VerificationMode(int code, String wireName) {
        this.code = code;
        this.wireName = wireName;
    }

    public int code() {
        return code;
    }

    public String wireName() {
        return wireName;
    }

    /** @throws IllegalArgumentException listing the accepted codes */
    public static VerificationMode fromCode(int code) {
        for (VerificationMode m : values()) if (m.code == code) return m;
        throw new IllegalArgumentException("unknown verification code " + code + ", expected 0..4");
    }

    /** @throws IllegalArgumentException listing the accepted names */
    public static VerificationMode fromWireName(String name) {
        for (VerificationMode m : values()) if (m.wireName.equals(name)) return m;
        throw new IllegalArgumentException(
                "unknown verification mode '" + name + "', expected one of none, tee, redundant, sample, optimistic");
    }
}
