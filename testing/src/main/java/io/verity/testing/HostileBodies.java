package io.verity.testing;

import java.nio.charset.StandardCharsets;

/** Request bodies that attack a JSON reader, shared by the node's and the gateway's hostile-input ITs. */
public final class HostileBodies {
    private HostileBodies() {}

    /** One JSON object of a million distinct unknown members ({@code "unknown0000000":0,...}), about 17 MB. */
    public static byte[] millionUnknownKeys() {
        StringBuilder b = new StringBuilder(17_000_000).append('{');
        for (int i = 0; i < 1_000_000; i++) {
            if (i > 0) b.append(',');
            // zero-padded to 7 digits by hand: a million String.format calls took seconds of each hostile-input IT
            String n = Integer.toString(i);
            b.append("\"unknown").append("0000000", n.length(), 7).append(n).append("\":0");
        }
        return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A silero-vad request whose {@code inputs} nest arrays 10,000 deep, far past the JSON depth bound. */
    public static byte[] deeplyNestedInputs() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        return ("{\"model\":\"silero-vad\",\"inputs\":" + deep + "}").getBytes(StandardCharsets.UTF_8);
    }
}
