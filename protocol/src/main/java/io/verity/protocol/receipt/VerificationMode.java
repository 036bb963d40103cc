package io.verity.protocol.receipt;

import io.verity.protocol.WireName;

/** How an answer was (or will be) checked; {@link #code()} is the receipt's uint8, {@link #wireName()} its JSON. */
public enum VerificationMode implements WireName {
    NONE(0),
    TEE(1),
    REDUNDANT(2),
    SAMPLE(3),
    OPTIMISTIC(4);

    /** Signed into every receipt: explicit, so reordering the constants cannot change a signature. */
    private final int code;

    VerificationMode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** @throws IllegalArgumentException listing the accepted codes */
    public static VerificationMode fromCode(int code) {
        for (VerificationMode m : values()) if (m.code == code) return m;
        throw new IllegalArgumentException("unknown verification code " + code + ", expected 0..4");
    }

    /** @throws IllegalArgumentException listing the accepted names */
    public static VerificationMode fromWireName(String name) {
        return WireName.find(VerificationMode.class, name).orElseThrow(() -> new IllegalArgumentException(
                "unknown verification mode '" + name + "', expected one of " + WireName.list(VerificationMode.class)));
    }
}
