package io.verity.llm.gguf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a GGUF version 3 file (the format llama.cpp loads): header, metadata key/values, tensor infos, then
 * the f32 tensor data, each tensor aligned to {@link #ALIGNMENT} bytes. Everything is little-endian.
 *
 * <p>Only what a tiny test model needs: scalar u32/i32/f32/bool/string values, arrays of strings, f32 and
 * i32, and f32 tensors. Dimensions are in ggml order (the fastest-varying first), so a matrix mapping
 * {@code n_in} to {@code n_out} is {@code [n_in, n_out]} with {@code n_out} rows of {@code n_in} floats.
 */
public final class GgufWriter {
    /** general.alignment's default; tensor data offsets are multiples of it. */
    public static final int ALIGNMENT = 32;

    private static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    private static final int VERSION = 3;

    // gguf_type values
    private static final int T_UINT32 = 4, T_INT32 = 5, T_FLOAT32 = 6, T_BOOL = 7, T_STRING = 8, T_ARRAY = 9;
    private static final int GGML_TYPE_F32 = 0;

    private final Map<String, Value> metadata = new LinkedHashMap<>();
    private final List<TensorData> tensors = new ArrayList<>();

    private sealed interface Value {}
    private record U32(int v) implements Value {}
    private record I32(int v) implements Value {}
    private record F32(float v) implements Value {}
    private record Bool(boolean v) implements Value {}
    private record Str(String v) implements Value {}
    private record StrArray(List<String> v) implements Value {}
    private record F32Array(float[] v) implements Value {}
    private record I32Array(int[] v) implements Value {}

    private record TensorData(String name, long[] dims, float[] data) {}

    public GgufWriter putU32(String key, int value) {
        return put(key, new U32(value));
    }

    public GgufWriter putI32(String key, int value) {
        return put(key, new I32(value));
    }

    public GgufWriter putF32(String key, float value) {
        return put(key, new F32(value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, new Bool(value));
    }

    public GgufWriter putString(String key, String value) {
        return put(key, new Str(Objects.requireNonNull(value, key)));
    }

    public GgufWriter putStrings(String key, List<String> values) {
        return put(key, new StrArray(List.copyOf(values)));
    }

    public GgufWriter putF32s(String key, float[] values) {
        return put(key, new F32Array(values.clone()));
    }

    public GgufWriter putI32s(String key, int[] values) {
        return put(key, new I32Array(values.clone()));
    }

    private GgufWriter put(String key, Value v) {
        if (metadata.putIfAbsent(key, v) != null) throw new IllegalArgumentException("metadata key " + key + " given twice");
        return this;
    }

    /**
     * Adds an f32 tensor.
     *
     * @param dims ggml order, fastest-varying first; their product must equal {@code data.length}
     */
    public GgufWriter addTensor(String name, long[] dims, float[] data) {
        long n = 1;
        for (long d : dims) {
            if (d < 1) throw new IllegalArgumentException("tensor " + name + ": dimensions must be >= 1, got " + d);
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("tensor " + name + ": dimensions hold " + n + " floats, data has " + data.length);
        }
        if (tensors.stream().anyMatch(t -> t.name.equals(name))) throw new IllegalArgumentException("tensor " + name + " given twice");
        tensors.add(new TensorData(name, dims.clone(), data));
        return this;
    }

    public void write(Path file) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            write(out);
        }
    }

    public void write(OutputStream raw) throws IOException {
        Le out = new Le(raw);
        out.u32(MAGIC);
        out.u32(VERSION);
        out.u64(tensors.size());
        out.u64(metadata.size());
        for (var e : metadata.entrySet()) {
            out.str(e.getKey());
            writeValue(out, e.getValue());
        }
        long offset = 0;
        for (TensorData t : tensors) {
            out.str(t.name);
            out.u32(t.dims.length);
            for (long d : t.dims) out.u64(d);
            out.u32(GGML_TYPE_F32);
            out.u64(offset);
            offset = align(offset + 4L * t.data.length);
        }
        out.pad();
        for (TensorData t : tensors) {
            ByteBuffer b = ByteBuffer.allocate(4 * t.data.length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(t.data);
            out.bytes(b.array());
            out.pad();
        }
        raw.flush();
    }

    private static long align(long n) {
        return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static void writeValue(Le out, Value v) throws IOException {
        switch (v) {
            case U32 u -> { out.u32(T_UINT32); out.u32(u.v); }
            case I32 i -> { out.u32(T_INT32); out.u32(i.v); }
            case F32 f -> { out.u32(T_FLOAT32); out.u32(Float.floatToRawIntBits(f.v)); }
            case Bool b -> { out.u32(T_BOOL); out.bytes(new byte[] {(byte) (b.v ? 1 : 0)}); }
            case Str s -> { out.u32(T_STRING); out.str(s.v); }
            case StrArray a -> {
                out.u32(T_ARRAY); out.u32(T_STRING); out.u64(a.v.size());
                for (String s : a.v) out.str(s);
            }
            case F32Array a -> {
                out.u32(T_ARRAY); out.u32(T_FLOAT32); out.u64(a.v.length);
                for (float f : a.v) out.u32(Float.floatToRawIntBits(f));
            }
            case I32Array a -> {
                out.u32(T_ARRAY); out.u32(T_INT32); out.u64(a.v.length);
                for (int i : a.v) out.u32(i);
            }
        }
    }

    /** Little-endian primitives, counting bytes so padding can align to {@link #ALIGNMENT}. */
    private static final class Le {
        private final OutputStream out;
        private long written;

        Le(OutputStream out) {
            this.out = out;
        }

        void u32(int v) throws IOException {
            bytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        }

        void u64(long v) throws IOException {
            bytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        void str(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            bytes(b);
        }

        void bytes(byte[] b) throws IOException {
            out.write(b);
            written += b.length;
        }

        void pad() throws IOException {
            int n = (int) (align(written) - written);
            if (n > 0) bytes(new byte[n]);
        }
    }
}
