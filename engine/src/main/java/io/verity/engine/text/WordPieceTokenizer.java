package io.verity.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.json.StrictJson;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * BERT's WordPiece tokenizer, read from a HuggingFace {@code tokenizer.json} whose normalizer is
 * {@code BertNormalizer}, pre-tokenizer {@code BertPreTokenizer} and model {@code WordPiece}, and written to give
 * the ids HuggingFace {@code tokenizers} gives (checked against it in {@code WordPieceTokenizerReferenceIT}).
 * Pure Java and offline: no native library, nothing fetched.
 *
 * <p>Steps, as {@code tokenizers} does them: added tokens ({@code [CLS]}, {@code [MASK]}...) typed in the text
 * are matched first, verbatim; the rest is normalised (drop NUL, U+FFFD and control characters, map whitespace
 * to a space, put spaces around CJK ideographs, strip accents by NFD when asked, lower-case code point by code
 * point), split on whitespace and around every punctuation character, and each word is cut greedily into the
 * longest vocabulary pieces ({@code ##} marks a continuation); a word with no such cut, or longer than
 * {@code max_input_chars_per_word}, becomes {@code [UNK]}. The sequence is wrapped as {@code [CLS] ... [SEP]}.
 *
 * <p>Immutable and thread-safe.
 */
public final class WordPieceTokenizer {
    private final Map<String, Integer> vocab;
    private final List<String> addedTokens; // longest first, so "[MASK]" wins over a shorter prefix
    private final Map<String, Integer> addedIds;
    private final boolean cleanText;
    private final boolean chineseChars;
    private final boolean stripAccents;
    private final boolean lowercase;
    private final String continuation;
    private final int maxWordChars;
    private final int unk;
    private final int cls;
    private final int sep;
    private final int maxLength;
    private final int vocabSize;

    private WordPieceTokenizer(JsonNode root) {
        JsonNode norm = root.path("normalizer");
        JsonNode model = root.path("model");
        require(norm, "type", "BertNormalizer");
        require(root.path("pre_tokenizer"), "type", "BertPreTokenizer");
        require(model, "type", "WordPiece");
        cleanText = norm.path("clean_text").asBoolean(true);
        chineseChars = norm.path("handle_chinese_chars").asBoolean(true);
        lowercase = norm.path("lowercase").asBoolean(true);
        // tokenizers: strip_accents null means "do what lowercase does"
        JsonNode strip = norm.path("strip_accents");
        stripAccents = strip.isBoolean() ? strip.asBoolean() : lowercase;
        continuation = model.path("continuing_subword_prefix").asText("##");
        maxWordChars = model.path("max_input_chars_per_word").asInt(100);
        vocab = new HashMap<>();
        model.path("vocab").properties().forEach(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        if (vocab.isEmpty()) throw new IllegalArgumentException("tokenizer.json: model.vocab is empty or missing");
        addedIds = new HashMap<>();
        for (JsonNode t : root.path("added_tokens")) addedIds.put(t.path("content").asText(), t.path("id").asInt());
        addedTokens = addedIds.keySet().stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
        unk = id(model.path("unk_token").asText("[UNK]"));
        cls = id("[CLS]");
        sep = id("[SEP]");
        vocabSize = 1 + Math.max(vocab.values().stream().mapToInt(Integer::intValue).max().orElse(0),
                addedIds.values().stream().mapToInt(Integer::intValue).max().orElse(0));
        // the file's own truncation; 512 (BERT's position table) when it declares none
        maxLength = root.path("truncation").path("max_length").asInt(512);
        if (maxLength < 2) throw new IllegalArgumentException("tokenizer.json: truncation.max_length must be at least 2, got " + maxLength);
    }

    /**
     * @throws IllegalArgumentException when the JSON is invalid, or is not a BERT WordPiece tokenizer (names the
     *     field that differs), or its vocabulary lacks {@code [UNK]}, {@code [CLS]} or {@code [SEP]}
     */
    public static WordPieceTokenizer fromTokenizerJson(byte[] json) {
        Objects.requireNonNull(json, "json");
        JsonNode root;
        try {
            root = StrictJson.standard().readObject(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a readable tokenizer.json: " + e.getMessage(), e);
        }
        return new WordPieceTokenizer(root);
    }

    private static void require(JsonNode node, String field, String expected) {
        String got = node.path(field).asText(null);
        if (!expected.equals(got)) {
            throw new IllegalArgumentException("tokenizer.json: expected a " + expected + " (" + field + "), got " + got);
        }
    }

    private int id(String token) {
        Integer id = vocab.get(token);
        if (id == null) id = addedIds.get(token);
        if (id == null) throw new IllegalArgumentException("tokenizer.json: the vocabulary has no " + token);
        return id;
    }

    /** Token ids of {@code text} wrapped as {@code [CLS] ... [SEP]}, never truncated. */
    public int[] encode(String text) {
        Objects.requireNonNull(text, "text");
        List<Integer> ids = new ArrayList<>();
        ids.add(cls);
        int from = 0;
        while (from <= text.length()) {
            int at = -1;
            String hit = null;
            for (int i = from; i < text.length() && hit == null; i++) {
                for (String t : addedTokens) {
                    if (text.startsWith(t, i)) {
                        at = i;
                        hit = t;
                        break;
                    }
                }
            }
            wordPieces(text.substring(from, hit == null ? text.length() : at), ids);
            if (hit == null) break;
            ids.add(addedIds.get(hit));
            from = at + hit.length();
        }
        ids.add(sep);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The longest sequence the file says the model takes ({@code truncation.max_length}, {@code [CLS]} and
     * {@code [SEP]} included), 512 when it says nothing. HuggingFace's tokenizer, and so LangChain4j, cuts there.
     */
    public int maxLength() {
        return maxLength;
    }

    /** One more than the largest token id, so valid ids are {@code 0 <= id < vocabSize()}. */
    public int vocabSize() {
        return vocabSize;
    }

    /** The id of {@code [SEP]}, which ends every sequence (kept when a caller truncates). */
    public int sepId() {
        return sep;
    }

    private void wordPieces(String segment, List<Integer> out) {
        for (String word : preTokenize(normalize(segment))) {
            if (word.codePointCount(0, word.length()) > maxWordChars) {
                out.add(unk);
                continue;
            }
            int mark = out.size();
            int start = 0;
            while (start < word.length()) {
                int end = word.length();
                Integer found = null;
                while (end > start) {
                    String piece = (start > 0 ? continuation : "") + word.substring(start, end);
                    found = vocab.get(piece);
                    if (found != null) break;
                    end = word.offsetByCodePoints(end, -1);
                }
                if (found == null) {
                    out.subList(mark, out.size()).clear();
                    out.add(unk);
                    break;
                }
                out.add(found);
                start = end;
            }
        }
    }

    String normalize(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (cleanText) {
                if (c == 0 || c == 0xFFFD || isControl(c)) return;
                if (isWhitespace(c)) c = ' ';
            }
            if (chineseChars && isCjk(c)) b.append(' ').appendCodePoint(c).append(' ');
            else b.appendCodePoint(c);
        });
        String t = b.toString();
        if (stripAccents) {
            StringBuilder nfd = new StringBuilder(t.length());
            Normalizer.normalize(t, Normalizer.Form.NFD).codePoints()
                    .filter(c -> ReferenceUnicode.type(c) != Character.NON_SPACING_MARK).forEach(nfd::appendCodePoint);
            t = nfd.toString();
        }
        if (lowercase) {
            // per code point, as Rust's char::to_lowercase: no context (String.toLowerCase maps a word-final Σ to
            // ς), and the one unconditional multi-char mapping, İ to i + combining dot
            StringBuilder low = new StringBuilder(t.length());
            t.codePoints().forEach(c -> {
                if (c == 0x130) low.append("i\u0307");
                else low.appendCodePoint(Character.toLowerCase(c));
            });
            t = low.toString();
        }
        return t;
    }

    static List<String> preTokenize(String s) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (isWhitespace(c) || isPunctuation(c)) {
                if (!word.isEmpty()) words.add(word.toString());
                word.setLength(0);
                if (isPunctuation(c)) words.add(Character.toString(c));
            } else {
                word.appendCodePoint(c);
            }
        });
        if (!word.isEmpty()) words.add(word.toString());
        return words;
    }

    /** Rust's char::is_whitespace (the Unicode White_Space property); Java's isWhitespace omits no-break spaces. */
    static boolean isWhitespace(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x85 || Character.isSpaceChar(c);
    }

    /**
     * tokenizers' is_control: control, format and private-use characters (and lone surrogates, which a Rust string
     * cannot hold), but tab, newline and return count as whitespace. Unassigned code points stay: the reference
     * keeps them (and a word holding one becomes [UNK]).
     */
    static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') return false;
        int t = ReferenceUnicode.type(c);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.SURROGATE || t == Character.PRIVATE_USE;
    }

    /** ASCII punctuation (which includes $+<=>^`| and ~) or any Unicode P* category. */
    static boolean isPunctuation(int c) {
        if (c < 0x80) return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
        return switch (ReferenceUnicode.type(c)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** The CJK ideograph blocks BERT splits character by character. */
    static boolean isCjk(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
