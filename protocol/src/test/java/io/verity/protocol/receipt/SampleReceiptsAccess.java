package io.verity.protocol.receipt;

import io.verity.protocol.EvmAddress;
import java.util.Random;

/** Lets tests in other packages use {@link SampleReceipts}. */
public final class SampleReceiptsAccess {
    private SampleReceiptsAccess() {}

    public static Receipt random(Random r, EvmAddress node) {
        return SampleReceipts.random(r, node);
    }

    public static Receipt randomV2(Random r, EvmAddress node) {
        return SampleReceipts.randomV2(r, node);
    }
}
