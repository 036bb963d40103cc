package io.verity.protocol;

/** The one check of whether a Java string has a UTF-8 form, shared by the EIP-712 types and the JSON readers. */
public final class Unicode {
    private Unicode() {}

    /**
     * True when {@code s} has no unpaired surrogate, i.e. it has a UTF-8 form. JSON escapes like "\ud800" can
     * produce one; ethers refuses to hash such a string, and Java's lenient encoder would write '?' for it.
     */
    public static boolean isWellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) i++;
            else if (Character.isSurrogate(c)) return false;
        }
        return true;
    }
}
