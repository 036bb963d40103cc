package io.verity.engine.det.tensor;

import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.TensorDigests;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Feeds an interpreter array to the protocol's one tensorDigest ({@link TensorDigests#stream}): the element
 * bytes are written little-endian through a small buffer, so no copy of the tensor is materialised. Only the
 * array-to-bytes step lives here, because {@link Arr}'s storage (int64 and narrow ints in a long[]) is the
 * engine's.
 */
public final class Canonical {
    private Canonical() {}

    private static final int CHUNK = 1 << 15;

    public static Keccak256 tensorDigest(String name, Arr a) {
        long[] dims = new long[a.rank()];
        for (int i = 0; i < dims.length; i++) dims[i] = a.shape[i];
        TensorDigests.ElementStream d = TensorDigests.stream(name, a.dtype, Shape.of(dims));
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        int n = a.size(), width = a.dtype.byteSize(), per = CHUNK / width;
        for (int from = 0; from < n; from += per) {
            int to = Math.min(n, from + per);
            buf.clear();
            switch (a.dtype) {
                case FLOAT32 -> buf.asFloatBuffer().put(a.f, from, to - from);
                case FLOAT64 -> buf.asDoubleBuffer().put(a.d, from, to - from);
                case INT64 -> buf.asLongBuffer().put(a.l, from, to - from);
                case INT32 -> {
                    for (int i = from; i < to; i++) buf.putInt((int) a.l[i]);
                }
                case FLOAT16 -> {
                    for (int i = from; i < to; i++) buf.putShort((short) a.l[i]);
                }
                default -> {
                    for (int i = from; i < to; i++) buf.put((byte) a.l[i]);
                }
            }
            d.update(buf.array(), 0, (to - from) * width);
        }
        return d.digest();
    }
}
