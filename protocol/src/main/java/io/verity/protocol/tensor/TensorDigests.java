package io.verity.protocol.tensor;

import io.verity.protocol.Keccak256;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.bouncycastle.crypto.digests.KeccakDigest;

/**
 * The canonical tensor encoding and its digests, as docs/protocol.md defines them:
 *
 * <pre>
 * tensor   := u32 len(name) ‖ name ‖ u8 dtype ‖ u32 rank ‖ rank × u64 dim ‖ payload
 * payload  := u64 byteLength ‖ little-endian element bytes   |   u64 count ‖ count × (u32 len ‖ UTF-8)
 * tensorsDigest(ts) = keccak256("verity:tensors:v1" ‖ u32 n ‖ tensorDigest(t1) ‖ … ‖ tensorDigest(tn))
 * </pre>
 *
 * Integers are big-endian. Encoding streams into the hash: no tensor is ever copied whole. This is the one
 * implementation: the deterministic interpreter feeds its own arrays through {@link #stream}.
 */
public final class TensorDigests {
    static final byte[] TENSORS_DOMAIN = "verity:tensors:v1".getBytes(StandardCharsets.US_ASCII);
    private static final int CHUNK = 16 * 1024;

    private TensorDigests() {}

    /** keccak256 of the canonical encoding of one tensor. */
    public static Keccak256 tensorDigest(Tensor t) {
        KeccakDigest d = new KeccakDigest(256);
        encode(t, d::update);
        return finish(d);
    }

    /**
     * keccak256 over the tensors' digests in name order (unsigned UTF-8 byte order), so the order of the list
     * does not matter but every name does.
     *
     * @throws IllegalArgumentException naming the name that occurs twice
     */
    public static Keccak256 tensorsDigest(List<Tensor> tensors) {
        record Named(byte[] utf8, Tensor tensor) {}
        List<Named> sorted = new ArrayList<>(tensors.size());
        for (Tensor t : tensors) sorted.add(new Named(utf8(t.name(), "tensor name"), t));
        sorted.sort(Comparator.comparing(Named::utf8, Arrays::compareUnsigned));
        for (int i = 1; i < sorted.size(); i++) {
            if (Arrays.equals(sorted.get(i - 1).utf8(), sorted.get(i).utf8())) {
                throw new IllegalArgumentException("duplicate tensor name '" + sorted.get(i).tensor().name()
                        + "': tensor names in a request or response must be unique");
            }
        }
        KeccakDigest d = new KeccakDigest(256);
        d.update(TENSORS_DOMAIN, 0, TENSORS_DOMAIN.length);
        byte[] n = ByteBuffer.allocate(4).putInt(sorted.size()).array();
        d.update(n, 0, 4);
        for (Named named : sorted) {
            byte[] h = tensorDigest(named.tensor()).toArray();
            d.update(h, 0, h.length);
        }
        return finish(d);
    }

    /**
     * The tensorDigest of a numeric tensor whose element bytes the caller produces itself, e.g. from arrays
     * that are not a {@link Tensor}: feed exactly {@code shape.elementCount() × dtype.byteSize()} little-endian
     * bytes to {@link ElementStream#update}, then call {@link ElementStream#digest}. Same digest as
     * {@link #tensorDigest} of the same tensor.
     *
     * @throws IllegalArgumentException for {@link DType#STRING}, whose payload is not element bytes, or a name
     *     with no UTF-8 form
     */
    public static ElementStream stream(String name, DType dtype, Shape shape) {
        if (dtype == DType.STRING) throw new IllegalArgumentException("string tensors have no element bytes to stream");
        long byteLength = Math.multiplyExact(shape.elementCount(), (long) dtype.byteSize());
        KeccakDigest d = new KeccakDigest(256);
        ByteBuffer head = header(name, dtype, shape);
        head.putLong(byteLength);
        d.update(head.array(), 0, head.position());
        return new ElementStream(d, byteLength);
    }

    /** One tensor's digest being fed its element bytes; see {@link #stream}. Not thread-safe, single use. */
    public static final class ElementStream {
        private final KeccakDigest digest;
        private long remaining;

        private ElementStream(KeccakDigest digest, long byteLength) {
            this.digest = digest;
            this.remaining = byteLength;
        }

        /** @throws IllegalStateException when more bytes arrive than the shape and dtype allow */
        public void update(byte[] bytes, int offset, int length) {
            if (length > remaining) {
                throw new IllegalStateException("the tensor has " + remaining + " element bytes left, got " + length);
            }
            digest.update(bytes, offset, length);
            remaining -= length;
        }

        /** @throws IllegalStateException when fewer bytes arrived than the shape and dtype need */
        public Keccak256 digest() {
            if (remaining != 0) throw new IllegalStateException("the tensor still needs " + remaining + " element bytes");
            return finish(digest);
        }
    }

    /** Where the encoding goes: a digest in production, a byte array in tests. */
    interface Sink {
        void update(byte[] bytes, int offset, int length);
    }

    /** Writes the canonical encoding of {@code t} into {@code out}. */
    static void encode(Tensor t, Sink out) {
        ByteBuffer head = header(t.name(), t.dtype(), t.shape());
        if (t.dtype() == DType.STRING) {
            List<String> strings = t.strings();
            head.putLong(strings.size());
            out.update(head.array(), 0, head.position());
            byte[] len = new byte[4];
            for (int i = 0; i < strings.size(); i++) {
                byte[] utf8 = utf8(strings.get(i), "tensor '" + t.name() + "' string " + i);
                ByteBuffer.wrap(len).putInt(utf8.length);
                out.update(len, 0, 4);
                out.update(utf8, 0, utf8.length);
            }
        } else {
            ByteBuffer data = t.data();
            head.putLong(data.remaining());
            out.update(head.array(), 0, head.position());
            byte[] chunk = new byte[Math.min(CHUNK, Math.max(1, data.remaining()))];
            while (data.hasRemaining()) {
                int n = Math.min(chunk.length, data.remaining());
                data.get(chunk, 0, n);
                out.update(chunk, 0, n);
            }
        }
    }

    /** u32 len(name) ‖ name ‖ u8 dtype ‖ u32 rank ‖ rank × u64 dim, with room for the payload's u64 length. */
    private static ByteBuffer header(String tensorName, DType dtype, Shape shape) {
        byte[] name = utf8(tensorName, "tensor name");
        ByteBuffer head = ByteBuffer.allocate(4 + name.length + 1 + 4 + 8 * shape.rank() + 8);
        head.putInt(name.length).put(name).put((byte) dtype.code()).putInt(shape.rank());
        for (int i = 0; i < shape.rank(); i++) head.putLong(shape.dim(i));
        return head;
    }

    /**
     * Strict UTF-8: a string with an unpaired surrogate has no UTF-8 form, and Java's lenient encoder would
     * write '?' for it, so "a\uD800" and "a?" would encode (and digest) the same.
     */
    static byte[] utf8(String s, String what) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(s));
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(what + " is not valid Unicode: it has an unpaired surrogate");
        }
    }

    private static Keccak256 finish(KeccakDigest d) {
        byte[] h = new byte[32];
        d.doFinal(h, 0);
        return Keccak256.wrap(h);
    }
}
