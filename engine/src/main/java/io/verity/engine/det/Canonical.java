package io.verity.engine.det;

import io.verity.protocol.Keccak256;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.bouncycastle.jcajce.provider.digest.Keccak;

/**
 * tensorDigest per docs/protocol.md ("Canonical encoding and digests"): keccak256 of
 * u32 len(name) ‖ name ‖ u8 dtype ‖ u32 rank ‖ rank × u64 dim ‖ u64 byteLength ‖ little-endian bytes, integers
 * big-endian. Kept package-private here until the protocol module's shared TensorDigests is merged. The
 * element bytes are streamed through a small buffer instead of materialising a copy of the tensor.
 */
final class Canonical {
    private Canonical() {}

    private static final int CHUNK = 1 << 15;

    static Keccak256 tensorDigest(String name, Arr a) {
        byte[] nm = name.getBytes(StandardCharsets.UTF_8);
        long byteLength = (long) a.size() * a.dtype.byteSize();
        ByteBuffer h = ByteBuffer.allocate(4 + nm.length + 1 + 4 + 8 * a.rank() + 8);
        h.putInt(nm.length).put(nm).put((byte) a.dtype.code()).putInt(a.rank());
        for (int s : a.shape) h.putLong(s);
        h.putLong(byteLength);
        Keccak.Digest256 d = new Keccak.Digest256();
        d.update(h.array());
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
                default -> {
                    for (int i = from; i < to; i++) buf.put((byte) a.l[i]);
                }
            }
            d.update(buf.array(), 0, (to - from) * width);
        }
        return Keccak256.wrap(d.digest());
    }
}
