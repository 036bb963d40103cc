package io.verity.protocol.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.verity.protocol.Unicode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * The one JSON reading policy of every route of node, gateway and explorer: a request body is exactly one JSON
 * document (RFC 8259) in well-formed UTF-8, with no duplicate member names, no unpaired surrogate escapes, and
 * within bounds on nesting, string, number and member counts. Anything else is refused with a
 * {@link InvalidFieldException} whose pointer names the place, never read "leniently": two readers that resolve
 * an ambiguity differently (first or last duplicate wins, overlong UTF-8 decoded or refused) are a way to make a
 * node sign something other than what a client, a gateway or an auditor saw.
 */
public final class StrictJson {
    /** Bounds of one document; the defaults suit every route (bodies are capped separately, in bytes). */
    public record Limits(int maxDepth, int maxStringLength, int maxNumberLength, int maxMembers) {
        public static final Limits DEFAULT = new Limits(64, 64 << 20, 1_000, 1_000_000);

        public Limits {
            if (maxDepth < 1 || maxStringLength < 1 || maxNumberLength < 1 || maxMembers < 1) {
                throw new IllegalArgumentException("JSON limits must be positive");
            }
        }
    }

    private static final StrictJson DEFAULT = new StrictJson(Limits.DEFAULT);

    private final Limits limits;
    private final ObjectMapper mapper;

    public StrictJson(Limits limits) {
        this.limits = limits;
        this.mapper = JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS, JsonReadFeature.ALLOW_LEADING_ZEROS_FOR_NUMBERS,
                        JsonReadFeature.ALLOW_TRAILING_COMMA, JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS,
                        JsonReadFeature.ALLOW_JAVA_COMMENTS, JsonReadFeature.ALLOW_SINGLE_QUOTES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(limits.maxDepth())
                .maxStringLength(limits.maxStringLength())
                .maxNumberLength(limits.maxNumberLength())
                .build());
    }

    /** The policy with {@link Limits#DEFAULT}. */
    public static StrictJson standard() {
        return DEFAULT;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Reads one document. An empty body, malformed JSON or UTF-8, trailing content, a duplicate member, an
     * unpaired surrogate or a bound exceeded is an {@link InvalidFieldException} (pointer "" for the document, or
     * the member's pointer where it is known).
     */
    public JsonNode read(byte[] body) {
        if (body == null || body.length == 0) throw new InvalidFieldException("", "the body is empty, expected a JSON document");
        // Most bodies (b64 tensors, ids, numbers) are plain ASCII: then they are well-formed UTF-8 without a
        // decoding pass, Jackson may read the bytes themselves, and without a backslash no string can hold an
        // escaped surrogate. A 150 KB tensor body costs a third of the CPU this way (docs/benchmarks.md).
        int ascii = asciiScan(body);
        JsonNode root;
        try {
            // Given bytes, Jackson guesses the encoding from the NULs in the first four (RFC 4627), so valid
            // UTF-8 like "~\0\0\0" would go to its UTF-32 reader and fail as an IOException (a 500), not a parse
            // error. RFC 8259 says UTF-8 only: such bodies, and every non-ASCII one, are read from checked text.
            root = ascii != NOT_ASCII && !nulInFirstFour(body) ? mapper.readTree(body) : mapper.readTree(utf8(body));
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new InvalidFieldException("", "malformed JSON" + where + ": " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (root == null || root.isMissingNode()) throw new InvalidFieldException("", "the body is empty, expected a JSON document");
        int[] members = {0};
        checkText(root, "", members, ascii != ASCII_NO_BACKSLASH);
        return root;
    }

    private static final int NOT_ASCII = 0, ASCII = 1, ASCII_NO_BACKSLASH = 2;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L, ONES = 0x0101010101010101L;

    /** Whether every byte is ASCII and whether one is a backslash, eight bytes at a time. */
    private static int asciiScan(byte[] b) {
        long backslashes = 0;
        int i = 0;
        for (; i + 8 <= b.length; i += 8) {
            long w = (long) LONGS.get(b, i);
            if ((w & HIGH_BITS) != 0) return NOT_ASCII;
            long x = w ^ (ONES * '\\'); // a zero byte where w has a backslash
            backslashes |= (x - ONES) & ~x & HIGH_BITS;
        }
        for (; i < b.length; i++) {
            if (b[i] < 0) return NOT_ASCII;
            if (b[i] == '\\') backslashes = 1;
        }
        return backslashes == 0 ? ASCII_NO_BACKSLASH : ASCII;
    }

    private static boolean nulInFirstFour(byte[] b) {
        for (int i = 0; i < Math.min(4, b.length); i++) if (b[i] == 0) return true;
        return false;
    }

    /** Reads one document that must be an object. */
    public JsonNode readObject(byte[] body) {
        JsonNode root = read(body);
        if (!root.isObject()) throw new InvalidFieldException("", "the body must be a JSON object, got " + Json.show(root));
        return root;
    }

    /**
     * The body as text; refuses bytes that are not well-formed UTF-8: overlong forms, encoded surrogates, stray
     * continuation bytes.
     */
    private static String utf8(byte[] body) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        String text;
        try {
            text = d.decode(in).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidFieldException("", "the body is not well-formed UTF-8 (byte " + in.position() + " starts an"
                    + " invalid sequence)");
        }
        if (body.length >= 3 && (body[0] & 0xff) == 0xef && (body[1] & 0xff) == 0xbb && (body[2] & 0xff) == 0xbf) {
            throw new InvalidFieldException("", "the body starts with a byte order mark; send JSON without one (RFC 8259 8.1)");
        }
        return text;
    }

    /**
     * Unpaired surrogates (from escapes like "\ud800") in names or strings, and the member budget. Without a
     * backslash in an ASCII body there is no escape, so no surrogate: {@code surrogatesPossible} is false.
     */
    private void checkText(JsonNode node, String pointer, int[] members, boolean surrogatesPossible) {
        if (node.isTextual()) {
            if (surrogatesPossible && !Unicode.isWellFormed(node.textValue())) {
                throw new InvalidFieldException(pointer, "must be valid Unicode, got an unpaired surrogate escape");
            }
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (++members[0] > limits.maxMembers()) {
                    throw new InvalidFieldException("", "the document has more than " + limits.maxMembers() + " members");
                }
                String child = Json.child(pointer, e.getKey());
                if (surrogatesPossible && !Unicode.isWellFormed(e.getKey())) {
                    throw new InvalidFieldException(pointer, "a member name is not valid Unicode (an unpaired surrogate escape)");
                }
                checkText(e.getValue(), child, members, surrogatesPossible);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                if (++members[0] > limits.maxMembers()) {
                    throw new InvalidFieldException("", "the document has more than " + limits.maxMembers() + " members");
                }
                checkText(node.get(i), Json.child(pointer, i), members, surrogatesPossible);
            }
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "unreadable";
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() <= 200 ? line : line.substring(0, 197) + "...";
    }
}
