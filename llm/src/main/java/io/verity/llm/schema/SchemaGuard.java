package io.verity.llm.schema;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.StrictJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Admits only the JSON Schemas that llama.cpp's schema-to-grammar converter ({@code json-schema-to-grammar.cpp})
 * turns into a grammar without failing, and within bounds. The converter runs in native code: a schema it
 * rejects ({@code {"type":"nonsense"}}, an unresolvable {@code $ref}, a malformed {@code pattern}) throws a C++
 * exception nobody catches and aborts the worker, and a bound like {@code "minLength": 2000000000} expands into
 * two billion grammar elements and eats the host's memory. So every schema is checked here first, by a mirror
 * of the converter's own decision tree: each sub-schema must take a branch that converts, and every number it
 * turns into a repetition is capped.
 *
 * <p>What is admitted: {@code type} (one of the seven JSON types, or a non-empty array of them); {@code $ref}
 * only to {@code #/$defs/NAME} or {@code #/definitions/NAME} that exist and do not reach themselves again;
 * {@code oneOf}/{@code anyOf}/{@code allOf}, {@code const}, {@code enum}, {@code properties} (names of
 * printable ASCII without {@code " \ [ ]}), {@code required}, {@code additionalProperties},
 * {@code items}/{@code prefixItems}, {@code minItems}/{@code maxItems}, {@code minLength}/{@code maxLength},
 * integer {@code minimum}/{@code maximum} (and the exclusive forms), {@code format}, and {@code pattern} in the
 * regex subset the converter parses (anchored {@code ^...$}; literals; {@code .}; groups; {@code |}; classes
 * {@code [...]}; {@code * + ?} and {@code {m,n}} after an atom that cannot match the empty string). Other
 * keywords are ignored, as llama.cpp ignores them.
 *
 * <p>{@link #validate(String)} is the entry point for fuzzing: any input either passes or throws
 * {@link InvalidFieldException}; anything else is a bug.
 */
public final class SchemaGuard {
    /**
     * Bounds on one schema.
     *
     * @param maxNodes JSON values in the schema (each enum member, property and keyword counts)
     * @param maxDepth nesting of JSON values in the schema
     * @param maxRepetition the largest {@code minLength}/{@code maxLength}/{@code minItems}/{@code maxItems} and
     *     {@code {m,n}} in a pattern: llama.cpp's grammar spells each repetition out
     * @param maxPatternLength characters of one {@code pattern}
     */
    public record Limits(int maxNodes, int maxDepth, int maxRepetition, int maxPatternLength) {
        public static final Limits DEFAULT = new Limits(4096, 32, 4096, 1024);

        public Limits {
            if (maxNodes < 1 || maxDepth < 1 || maxRepetition < 1 || maxPatternLength < 2) {
                throw new IllegalArgumentException("schema limits must be positive (pattern length >= 2), got " + maxNodes
                        + "/" + maxDepth + "/" + maxRepetition + "/" + maxPatternLength);
            }
        }
    }

    static final Set<String> TYPES = Set.of("string", "number", "integer", "boolean", "null", "object", "array");
    private static final Set<String> DATE_FORMATS = Set.of("date", "time", "date-time");
    /** Keeps exclusiveMinimum + 1 and exclusiveMaximum - 1 inside C++'s int. */
    private static final long INT_BOUND = Integer.MAX_VALUE - 1;

    private final JsonNode root;
    private final String at;
    private final Limits limits;
    private final Map<String, JsonNode> defs = new HashMap<>();
    private final Set<String> visitedRefs = new HashSet<>();
    private final Set<String> done = new HashSet<>();

    private SchemaGuard(JsonNode root, String at, Limits limits) {
        this.root = root;
        this.at = at;
        this.limits = limits;
    }

    /**
     * Checks one schema.
     *
     * @param at where the schema sits in the request, OpenAI style ({@code response_format.json_schema.schema}):
     *     the exception's pointer is {@code at} plus the path inside the schema, e.g.
     *     {@code response_format.json_schema.schema.properties.city.maxLength}
     * @param refRoot the document {@code #/...} references resolve against (the schema itself, or for a tool's
     *     parameters the combined schema they are embedded in, which has no {@code $defs}); null means none
     * @throws InvalidFieldException naming the first offending field
     */
    public static void check(JsonNode schema, String at, JsonNode refRoot, Limits limits) {
        new SchemaGuard(refRoot, at, limits).run(schema);
    }

    /** {@link #check} of a schema that is its own reference root, with {@link Limits#DEFAULT}. */
    public static void check(JsonNode schema, String at) {
        check(schema, at, schema, Limits.DEFAULT);
    }

    /** Fuzzing entry: reads {@code json} with {@link StrictJson} and checks it as a response_format schema. */
    public static void validate(String json) {
        JsonNode schema = StrictJson.standard().read(json.getBytes(StandardCharsets.UTF_8));
        check(schema, "schema");
    }

    private void run(JsonNode schema) {
        int[] nodes = {0};
        shape(schema, at, 0, nodes);
        collectDefs();
        refs(schema, at);
        visit(schema, at);
    }

    private InvalidFieldException bad(String where, String message) {
        return new InvalidFieldException(where, where + ": " + message);
    }

    /** Size and depth, and the text of every string (the grammar writer cannot escape \b or \f). */
    private void shape(JsonNode n, String where, int depth, int[] nodes) {
        if (++nodes[0] > limits.maxNodes()) throw bad(at, "the schema has more than " + limits.maxNodes() + " values");
        if (depth > limits.maxDepth()) throw bad(where, "the schema nests deeper than " + limits.maxDepth() + " levels");
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String child = where + "." + e.getKey();
                if (hasControl(e.getKey())) throw bad(where, "a member name contains a control character");
                shape(e.getValue(), child, depth + 1, nodes);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) shape(n.get(i), where + "[" + i + "]", depth + 1, nodes);
        } else if (n.isTextual() && hasControl(n.textValue())) {
            throw bad(where, "contains a control character other than tab, newline or carriage return");
        }
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return true;
        }
        return false;
    }

    private void collectDefs() {
        if (root == null || !root.isObject()) return;
        for (String container : List.of("$defs", "definitions")) {
            JsonNode d = root.get(container);
            if (d == null || !d.isObject()) continue;
            for (Iterator<Map.Entry<String, JsonNode>> it = d.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                defs.put("#/" + container + "/" + e.getKey(), e.getValue());
            }
        }
    }

    /**
     * The converter resolves every member named {@code $ref} anywhere in the document (inside {@code const}, in
     * a property called "$ref", ...) before it converts anything, and aborts on any it cannot: so every one must
     * be a string naming an existing definition, and no definition may reach itself.
     */
    private void refs(JsonNode n, String where) {
        if (n.isObject()) {
            JsonNode ref = n.get("$ref");
            if (ref != null) {
                String w = where + ".$ref";
                if (!ref.isTextual()) throw bad(w, "must be a string like \"#/$defs/name\", got " + kind(ref));
                String r = ref.textValue();
                if (!r.matches("#/(\\$defs|definitions)/[^/~]+")) {
                    throw bad(w, "only local references to \"#/$defs/<name>\" or \"#/definitions/<name>\" are supported, got \""
                            + shorten(r) + "\"");
                }
                if (!defs.containsKey(r)) throw bad(w, "\"" + shorten(r) + "\" does not resolve: no such definition");
                cycle(r, new ArrayList<>(), where);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                refs(e.getValue(), where + "." + e.getKey());
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) refs(n.get(i), where + "[" + i + "]");
        }
    }

    /** Depth-first over the definitions; {@code done} holds those known to reach no cycle, so shared ones are walked once. */
    private void cycle(String ref, List<String> path, String where) {
        if (done.contains(ref)) return;
        if (path.contains(ref)) {
            path.add(ref);
            throw bad(where + ".$ref", "recursive reference " + String.join(" -> ", path) + ": recursive schemas are not supported");
        }
        path.add(ref);
        for (String next : refsIn(defs.get(ref), new ArrayList<>())) {
            if (defs.containsKey(next)) cycle(next, path, where);
        }
        path.remove(path.size() - 1);
        done.add(ref);
    }

    private static List<String> refsIn(JsonNode n, List<String> out) {
        if (n.isObject()) {
            JsonNode ref = n.get("$ref");
            if (ref != null && ref.isTextual()) out.add(ref.textValue());
            n.elements().forEachRemaining(c -> refsIn(c, out));
        } else if (n.isArray()) {
            n.elements().forEachRemaining(c -> refsIn(c, out));
        }
        return out;
    }

    // ---- the converter's visit(), branch by branch --------------------------------------------------------

    private void visit(JsonNode s, String where) {
        if (!s.isObject()) throw bad(where, "must be a JSON Schema object, got " + kind(s));
        JsonNode type = s.get("type");
        if (type != null && type.isNull()) type = null;
        JsonNode format = s.get("format");
        if (format != null && !format.isTextual()) throw bad(where + ".format", "must be a string, got " + kind(format));
        bounds(s, where);
        boolean untyped = type == null;
        if (s.has("$ref")) {
            String r = s.get("$ref").textValue();
            if (visitedRefs.add(r)) visit(defs.get(r), at + "." + r.substring(2).replace('/', '.'));
        } else if (s.has("oneOf") || s.has("anyOf")) {
            String k = s.has("oneOf") ? "oneOf" : "anyOf";
            schemas(s.get(k), where + "." + k);
        } else if (type != null && type.isArray()) {
            if (type.isEmpty()) throw bad(where + ".type", "must not be an empty array");
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < type.size(); i++) {
                String t = typeName(type.get(i), where + ".type[" + i + "]");
                if (!seen.add(t)) throw bad(where + ".type[" + i + "]", "\"" + t + "\" is listed twice");
            }
        } else if (s.has("const")) {
            literal(s.get("const"), where + ".const");
        } else if (s.has("enum")) {
            JsonNode e = s.get("enum");
            if (!e.isArray() || e.isEmpty()) throw bad(where + ".enum", "must be a non-empty array, got " + kind(e));
            for (int i = 0; i < e.size(); i++) literal(e.get(i), where + ".enum[" + i + "]");
        } else if ((untyped || "object".equals(type.asText())) && (s.has("properties")
                || (s.has("additionalProperties") && !s.get("additionalProperties").equals(TRUE)))) {
            object(s, where);
        } else if ((untyped || "object".equals(type.asText())) && s.has("allOf")) {
            JsonNode all = s.get("allOf");
            if (!all.isArray() || all.isEmpty()) throw bad(where + ".allOf", "must be a non-empty array of schemas");
            for (int i = 0; i < all.size(); i++) {
                JsonNode t = all.get(i);
                String w = where + ".allOf[" + i + "]";
                if (!t.isObject()) throw bad(w, "must be a JSON Schema object, got " + kind(t));
                if (t.has("anyOf")) {
                    JsonNode any = t.get("anyOf");
                    if (!any.isArray()) throw bad(w + ".anyOf", "must be an array of schemas, got " + kind(any));
                    for (int j = 0; j < any.size(); j++) component(any.get(j), w + ".anyOf[" + j + "]");
                } else {
                    component(t, w);
                }
            }
        } else if ((untyped || "array".equals(type.asText())) && (s.has("items") || s.has("prefixItems"))) {
            String k = s.has("items") ? "items" : "prefixItems";
            JsonNode items = s.get(k);
            if (items.isArray()) {
                if (items.isEmpty()) throw bad(where + "." + k, "must not be an empty array");
                for (int i = 0; i < items.size(); i++) visit(items.get(i), where + "." + k + "[" + i + "]");
            } else {
                visit(items, where + "." + k);
            }
        } else if ((untyped || "string".equals(type.asText())) && s.has("pattern")) {
            JsonNode p = s.get("pattern");
            if (!p.isTextual()) throw bad(where + ".pattern", "must be a string, got " + kind(p));
            new Pattern(p.textValue(), where + ".pattern").check();
        } else if ((untyped || "string".equals(type.asText())) && format != null
                && (format.textValue().matches("uuid[1-5]?") || DATE_FORMATS.contains(format.textValue()))) {
            // a built-in rule
        } else if (type != null && "string".equals(type.asText()) && (s.has("minLength") || s.has("maxLength"))) {
            // bounds() checked them
        } else if (type != null && "integer".equals(type.asText()) && (s.has("minimum") || s.has("exclusiveMinimum")
                || s.has("maximum") || s.has("exclusiveMaximum"))) {
            integerRange(s, where);
        } else if (s.isEmpty() || (type != null && "object".equals(type.asText()))) {
            // any JSON object
        } else {
            if (type == null) {
                throw bad(where, "needs a \"type\" (or $ref, anyOf, oneOf, allOf, const, enum, properties, items, pattern"
                        + " or format): llama.cpp cannot turn it into a grammar");
            }
            typeName(type, where + ".type");
        }
    }

    /**
     * A const or enum value becomes a grammar literal of its JSON text, in which the converter escapes quotes but
     * not the backslash before them: a string holding a quote ({@code \"} in JSON) ends the literal early.
     */
    private void literal(JsonNode v, String where) {
        if (v.isTextual() && v.textValue().indexOf('"') >= 0) {
            throw bad(where, "a string with a double quote cannot be a const or enum value for llama.cpp's grammar");
        }
        if (v.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().indexOf('"') >= 0) throw bad(where, "a member name with a double quote is not supported here");
                literal(e.getValue(), where + "." + e.getKey());
            }
        } else if (v.isArray()) {
            for (int i = 0; i < v.size(); i++) literal(v.get(i), where + "[" + i + "]");
        }
    }

    private static final JsonNode TRUE = com.fasterxml.jackson.databind.node.BooleanNode.TRUE;

    private String typeName(JsonNode t, String where) {
        if (!t.isTextual() || !TYPES.contains(t.textValue())) {
            throw bad(where, "must be one of " + new java.util.TreeSet<>(TYPES) + ", got " + (t.isTextual()
                    ? "\"" + shorten(t.textValue()) + "\"" : kind(t)));
        }
        return t.textValue();
    }

    private void schemas(JsonNode arr, String where) {
        if (!arr.isArray() || arr.isEmpty()) throw bad(where, "must be a non-empty array of schemas, got " + kind(arr));
        for (int i = 0; i < arr.size(); i++) visit(arr.get(i), where + "[" + i + "]");
    }

    private void object(JsonNode s, String where) {
        JsonNode props = s.get("properties");
        if (props != null) properties(props, where + ".properties");
        JsonNode req = s.get("required");
        if (req != null) {
            if (!req.isArray()) throw bad(where + ".required", "must be an array of property names, got " + kind(req));
            for (int i = 0; i < req.size(); i++) {
                if (!req.get(i).isTextual()) throw bad(where + ".required[" + i + "]", "must be a string, got " + kind(req.get(i)));
            }
        }
        JsonNode add = s.get("additionalProperties");
        if (add != null) {
            if (add.isObject()) visit(add, where + ".additionalProperties");
            else if (!add.isBoolean()) throw bad(where + ".additionalProperties", "must be a boolean or a schema, got " + kind(add));
        }
    }

    private void properties(JsonNode props, String where) {
        if (!props.isObject()) throw bad(where, "must be an object of schemas, got " + kind(props));
        for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            // The converter writes names into a grammar character class unescaped (its "not one of these names" rule).
            if (name.isEmpty() || name.length() > 256 || !name.chars().allMatch(c -> c >= 0x20 && c < 0x7f
                    && c != '"' && c != '\\' && c != '[' && c != ']')) {
                throw bad(where, "property name \"" + shorten(name) + "\" must be 1-256 printable ASCII characters without "
                        + "\" \\ [ ]");
            }
            visit(e.getValue(), where + "." + name);
        }
    }

    /** An allOf component: a $ref (followed), or something with properties; anything else is ignored by llama.cpp. */
    private void component(JsonNode c, String where) {
        if (!c.isObject()) throw bad(where, "must be a JSON Schema object, got " + kind(c));
        if (c.has("$ref")) {
            component(defs.get(c.get("$ref").textValue()), where + ".$ref");
        } else if (c.has("properties")) {
            properties(c.get("properties"), where + ".properties");
        }
    }

    /** minLength, maxLength, minItems, maxItems: wherever they appear, integers in [0, maxRepetition], min <= max. */
    private void bounds(JsonNode s, String where) {
        for (String[] pair : new String[][] {{"minLength", "maxLength"}, {"minItems", "maxItems"}}) {
            long min = count(s, pair[0], where), max = count(s, pair[1], where);
            if (min >= 0 && max >= 0 && min > max) {
                throw bad(where + "." + pair[0], pair[0] + " " + min + " is greater than " + pair[1] + " " + max);
            }
        }
    }

    private long count(JsonNode s, String field, String where) {
        JsonNode v = s.get(field);
        if (v == null) return -1;
        if (!v.isIntegralNumber() && !(v.isNumber() && v.asDouble() == Math.rint(v.asDouble()))) {
            throw bad(where + "." + field, "must be an integer, got " + kind(v));
        }
        if (!v.canConvertToLong() || v.asLong() < 0 || v.asLong() > limits.maxRepetition()) {
            throw bad(where + "." + field, "must be between 0 and " + limits.maxRepetition() + ", got " + v
                    + " (llama.cpp's grammar spells out every repetition)");
        }
        return v.asLong();
    }

    private void integerRange(JsonNode s, String where) {
        long lo = Long.MIN_VALUE, hi = Long.MAX_VALUE;
        for (String f : List.of("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum")) {
            JsonNode v = s.get(f);
            if (v == null) continue;
            if (!v.isNumber() || v.asDouble() != Math.rint(v.asDouble()) || Math.abs(v.asDouble()) > INT_BOUND) {
                throw bad(where + "." + f, "must be an integer between -" + INT_BOUND + " and " + INT_BOUND + ", got " + kind(v));
            }
        }
        if (s.has("minimum")) lo = s.get("minimum").asLong();
        else if (s.has("exclusiveMinimum")) lo = s.get("exclusiveMinimum").asLong() + 1;
        if (s.has("maximum")) hi = s.get("maximum").asLong();
        else if (s.has("exclusiveMaximum")) hi = s.get("exclusiveMaximum").asLong() - 1;
        if (lo > hi) throw bad(where, "the integer range is empty (" + lo + " > " + hi + ")");
    }

    private static String kind(JsonNode v) {
        String s = v.toString();
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    private static String shorten(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /**
     * The regex subset of the converter's {@code _visit_pattern}: it copies literals and classes into the grammar
     * nearly verbatim, so escapes must be ones the grammar parser knows, every quantifier needs an atom, and no
     * atom that can match nothing may be repeated without bound (llama.cpp refuses the left recursion that makes).
     */
    private final class Pattern {
        private final String p;
        private final String where;
        private int i;
        private int groups;

        Pattern(String p, String where) {
            this.p = p;
            this.where = where;
        }

        private InvalidFieldException fail(String why) {
            return bad(where, why + " (at character " + i + " of \"" + shorten(p) + "\")");
        }

        void check() {
            if (p.length() > limits.maxPatternLength()) {
                throw bad(where, "must be at most " + limits.maxPatternLength() + " characters, got " + p.length());
            }
            if (p.length() < 2 || p.charAt(0) != '^' || p.charAt(p.length() - 1) != '$'
                    || (p.length() > 2 && p.charAt(p.length() - 2) == '\\')) {
                throw bad(where, "must start with ^ and end with $ (llama.cpp's converter needs an anchored pattern)");
            }
            for (int k = 0; k < p.length(); k++) {
                char c = p.charAt(k);
                if (c < 0x20 || c == 0x7f) {
                    i = k;
                    throw fail("control characters are not supported");
                }
            }
            if (p.length() == 2) return; // ^$: the empty string
            i = 1;
            alternation(p.length() - 1);
            if (i != p.length() - 1) throw fail("unbalanced parenthesis");
        }

        /** Returns whether it can match the empty string. */
        private boolean alternation(int end) {
            boolean nullable = sequence(end);
            while (i < end && p.charAt(i) == '|') {
                i++;
                nullable |= sequence(end);
            }
            return nullable;
        }

        private boolean sequence(int end) {
            boolean nullable = true;
            boolean any = false;
            while (i < end && p.charAt(i) != '|' && p.charAt(i) != ')') {
                char c = p.charAt(i);
                if (c == '*' || c == '+' || c == '?' || c == '{') throw fail("a quantifier needs something before it");
                boolean atom = atom(end);
                atom = quantifier(end, atom);
                nullable &= atom;
                any = true;
            }
            if (!any) throw fail("empty alternatives and empty groups are not supported");
            return nullable;
        }

        private boolean atom(int end) {
            char c = p.charAt(i);
            switch (c) {
                case '(' -> {
                    i++;
                    if (i < end && p.charAt(i) == '?') throw fail("(?...) groups are not supported");
                    if (++groups > 64) throw fail("more than 64 groups");
                    boolean n = alternation(end);
                    if (i >= end || p.charAt(i) != ')') throw fail("unbalanced parenthesis");
                    i++;
                    return n;
                }
                case '[' -> {
                    klass(end);
                    return false;
                }
                case '.' -> {
                    i++;
                    return false;
                }
                case '\\' -> {
                    if (i + 1 >= end) throw fail("a lone backslash");
                    char e = p.charAt(i + 1);
                    if ("[](){}|*+?\\\"ntr".indexOf(e) < 0) {
                        throw fail("escape \\" + e + " is not supported by llama.cpp's converter (use a class like [.] or [0-9])");
                    }
                    i += 2;
                    return false;
                }
                case '^', '$' -> throw fail("anchors are supported only at the start and the end");
                case ']', '}' -> throw fail("unbalanced " + c);
                default -> {
                    // The converter splits literals byte by byte: a multi-byte character next to an operator would be
                    // cut in two inside the grammar. Inside [...] it is copied whole.
                    if (c > 0x7e) throw fail("non-ASCII characters are supported only inside [...]");
                    i++;
                    return false;
                }
            }
        }

        private void klass(int end) {
            int start = i++;
            if (i < end && p.charAt(i) == '^') i++;
            int chars = 0;
            while (i < end && p.charAt(i) != ']') {
                if (p.charAt(i) == '\\') {
                    if (i + 1 >= end) throw fail("a lone backslash");
                    char e = p.charAt(i + 1);
                    if ("[]\\\"ntr".indexOf(e) < 0) {
                        throw fail("escape \\" + e + " inside [...] is not supported by llama.cpp's grammar");
                    }
                    i += 2;
                } else {
                    i++;
                }
                chars++;
            }
            if (i >= end) {
                i = start;
                throw fail("unbalanced [");
            }
            if (chars == 0) throw fail("empty character class");
            i++;
        }

        /** Applies a following quantifier, if any, to an atom; returns whether the result can match nothing. */
        private boolean quantifier(int end, boolean nullable) {
            if (i >= end) return nullable;
            char c = p.charAt(i);
            boolean unbounded;
            boolean result;
            if (c == '*' || c == '+' || c == '?') {
                i++;
                unbounded = c != '?';
                result = nullable || c != '+';
            } else if (c == '{') {
                int close = p.indexOf('}', i);
                if (close < 0 || close >= end) throw fail("unbalanced {");
                String body = p.substring(i + 1, close);
                if (!body.matches("\\d{1,9}|\\d{0,9},\\d{0,9}") || body.equals(",")) {
                    throw fail("{" + shorten(body) + "} must be {n}, {m,}, {,n} or {m,n} with decimal numbers");
                }
                String[] mn = body.split(",", -1);
                long min = mn[0].isEmpty() ? 0 : Long.parseLong(mn[0]);
                long max = mn.length == 1 ? min : mn[1].isEmpty() ? -1 : Long.parseLong(mn[1]);
                if (min > limits.maxRepetition() || max > limits.maxRepetition()) {
                    throw fail("repetitions are limited to " + limits.maxRepetition());
                }
                if (max >= 0 && min > max) throw fail("{" + body + "}: the minimum exceeds the maximum");
                unbounded = max < 0;
                result = nullable || min == 0;
                i = close + 1;
            } else {
                return nullable;
            }
            if (unbounded && nullable) throw fail("a repeated part must not match the empty string");
            if (i < end && "*+?{".indexOf(p.charAt(i)) >= 0) throw fail("a quantifier cannot follow a quantifier");
            return result;
        }
    }
}
