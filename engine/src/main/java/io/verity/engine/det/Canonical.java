package io.verity.engine.det;

import io.verity.protocol.Keccak256;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * tensorDigest per docs/protocol.md ("Canonical encoding and digests"): keccak256 of
 * u32 len(name) ‖ name ‖ u8 dtype ‖ u32 rank ‖ rank × u64 dim ‖ u64 byteLength ‖ little-endian bytes, integers
 * big-endian. Kept package-private here until the protocol module's shared TensorDigests is merged.
 */
final class Canonical {
    private Canonical() {}

    static Keccak256 tensorDigest(String name, Arr a) {
        byte[] nm = name.getBytes(StandardCharsets.UTF_8);
        byte[] data = Convert.littleEndian(a);
        ByteBuffer h = ByteBuffer.allocate(4 + nm.length + 1 + 4 + 8 * a.rank() + 8);
        h.putInt(nm.length).put(nm).put((byte) a.dtype.code()).putInt(a.rank());
        for (int s : a.shape) h.putLong(s);
        h.putLong(data.length);
        return Keccak256.hash(h.array(), data);
    }
}
