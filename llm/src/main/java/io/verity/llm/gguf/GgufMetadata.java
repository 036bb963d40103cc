package io.verity.llm.gguf;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the scalar metadata of a GGUF (v2/v3) file: numbers, bools and strings; arrays are skipped. Enough
 * to know the architecture, the chat template and whether llama.cpp adds BOS, without loading the model.
 */
public final class GgufMetadata {
    private final Map<String, Object> values;

    private GgufMetadata(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /** @throws IOException when the file is not GGUF v2 or v3, naming what it found */
    public static GgufMetadata read(Path file) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            DataInputStream in = new DataInputStream(raw);
            int magic = Integer.reverseBytes(in.readInt());
            if (magic != 0x46554747) throw new IOException(file + " is not a GGUF file (magic 0x" + Integer.toHexString(magic) + ")");
            int version = Integer.reverseBytes(in.readInt());
            if (version != 2 && version != 3) throw new IOException(file + ": GGUF version " + version + " is not supported (2 or 3)");
            Long.reverseBytes(in.readLong()); // tensor count
            long kvs = Long.reverseBytes(in.readLong());
            Map<String, Object> values = new LinkedHashMap<>();
            for (long i = 0; i < kvs; i++) {
                String key = str(in);
                int type = Integer.reverseBytes(in.readInt());
                Object v = value(in, type);
                if (v != null) values.put(key, v);
            }
            return new GgufMetadata(values);
        }
    }

    public Map<String, Object> values() {
        return values;
    }

    public String string(String key) {
        Object v = values.get(key);
        return v instanceof String s ? s : null;
    }

    /** Whether llama.cpp prepends BOS when it tokenizes a prompt: the key if present, else its default per tokenizer. */
    public boolean addsBos() {
        if (values.get("tokenizer.ggml.add_bos_token") instanceof Boolean b) return b;
        return "llama".equals(string("tokenizer.ggml.model"));
    }

    /** The context the model was trained for ({@code <architecture>.context_length}), or 0 when the file does not say. */
    public long contextLength() {
        Object v = values.get(string("general.architecture") + ".context_length");
        return v instanceof Number n ? n.longValue() : 0;
    }

    private static Object value(DataInputStream in, int type) throws IOException {
        return switch (type) {
            case 0 -> in.readUnsignedByte();
            case 1 -> (int) in.readByte();
            case 2 -> Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
            case 3 -> (int) Short.reverseBytes(in.readShort());
            case 4 -> Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
            case 5 -> Integer.reverseBytes(in.readInt());
            case 6 -> Float.intBitsToFloat(Integer.reverseBytes(in.readInt()));
            case 7 -> in.readUnsignedByte() != 0;
            case 8 -> str(in);
            case 9 -> {
                int elem = Integer.reverseBytes(in.readInt());
                long n = Long.reverseBytes(in.readLong());
                for (long i = 0; i < n; i++) value(in, elem);
                yield null;
            }
            case 10, 11 -> Long.reverseBytes(in.readLong());
            case 12 -> Double.longBitsToDouble(Long.reverseBytes(in.readLong()));
            default -> throw new IOException("unknown GGUF value type " + type);
        };
    }

    private static String str(DataInputStream in) throws IOException {
        long n = Long.reverseBytes(in.readLong());
        if (n < 0 || n > (64 << 20)) throw new IOException("GGUF string length " + n + " is out of range");
        return new String(in.readNBytes((int) n), StandardCharsets.UTF_8);
    }
}
