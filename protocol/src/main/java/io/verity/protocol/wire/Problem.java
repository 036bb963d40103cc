package io.verity.protocol.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.json.FieldErrors;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An RFC 9457 problem document ({@code application/problem+json}), the one every Verity server answers and every
 * client reads. {@code type} is {@code urn:verity:problem:<slug>}, a slug clients switch on. Client mistakes carry
 * one {@link FieldError} per bad field (JSON pointer into the request), capped as {@link FieldErrors#cap} does.
 * {@code source} says who caused it ({@link FailureSource}, written with {@code retryable}); null when the server
 * does not say. {@code extensions} are further members in order, e.g. {@code "held": "5000"}. On the OpenAI routes
 * the document also carries OpenAI's {@code error} object ({@link #toJson(boolean)}), explicit or derived.
 *
 * <p>Member order on the wire: {@code error} (OpenAI routes), type, title, status, detail, instance, errors, the
 * extensions, source, retryable. Absent members (null detail, instance or source; no errors) are left out.
 *
 * @param detail      this occurrence, or null
 * @param instance    the request path it answers, or null
 * @param source      who caused it, or null when not said
 * @param openAiError OpenAI's error object as the OpenAI layer chose it, or null to derive one when asked
 */
public record Problem(String type, String title, int status, String detail, String instance, List<FieldError> errors,
        FailureSource source, Map<String, JsonNode> extensions, OpenAiError openAiError) {
    public static final String MEDIA_TYPE = "application/problem+json";
    public static final String TYPE_PREFIX = "urn:verity:problem:";
    /** Members the record writes itself; an extension may not reuse them. */
    private static final Set<String> RESERVED = Set.of("type", "title", "status", "detail", "instance", "errors",
            FailureSource.MEMBER, FailureSource.RETRYABLE_MEMBER, "error");
    private static final ObjectMapper JSON = new ObjectMapper();

    public Problem {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(title, "title");
        if (status < 100 || status > 599) throw new IllegalArgumentException("status must be 100..599, got " + status);
        errors = errors == null ? List.of() : FieldErrors.cap(List.copyOf(errors));
        Map<String, JsonNode> ext = new LinkedHashMap<>();
        if (extensions != null) {
            extensions.forEach((k, v) -> {
                if (RESERVED.contains(k)) throw new IllegalArgumentException("extension member '" + k + "' is reserved");
                ext.put(k, v == null ? JsonNodeFactory.instance.nullNode() : v);
            });
        }
        extensions = Collections.unmodifiableMap(ext);
    }

    /** OpenAI's {@code {"error": {message, type, param, code}}}, which OpenAI SDKs read; param may be null. */
    public record OpenAiError(String message, String type, String param, String code) {
        public OpenAiError {
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(type, "type");
        }
    }

    /** A problem of type {@code urn:verity:problem:<slug>}, without errors, source or extensions. */
    public static Problem of(String slug, String title, int status, String detail) {
        return new Problem(TYPE_PREFIX + slug, title, status, detail, null, List.of(), null, Map.of(), null);
    }

    /** The part of {@code type} after its last colon: {@code invalid-request} of {@code urn:verity:problem:invalid-request}. */
    public String slug() {
        return type.substring(type.lastIndexOf(':') + 1);
    }

    public Problem withErrors(List<FieldError> errors) {
        return new Problem(type, title, status, detail, instance, errors, source, extensions, openAiError);
    }

    public Problem withDetail(String detail) {
        return new Problem(type, title, status, detail, instance, errors, source, extensions, openAiError);
    }

    public Problem withInstance(String instance) {
        return new Problem(type, title, status, detail, instance, errors, source, extensions, openAiError);
    }

    public Problem withSource(FailureSource source) {
        return new Problem(type, title, status, detail, instance, errors, source, extensions, openAiError);
    }

    public Problem withOpenAiError(OpenAiError error) {
        return new Problem(type, title, status, detail, instance, errors, source, extensions, error);
    }

    /** This problem with one more extension member (a string; null writes JSON null). */
    public Problem with(String member, String value) {
        return with(member, value == null ? null : TextNode.valueOf(value));
    }

    /** This problem with one more extension member, any JSON value. */
    public Problem with(String member, JsonNode value) {
        Map<String, JsonNode> m = new LinkedHashMap<>(extensions);
        m.put(member, value);
        return new Problem(type, title, status, detail, instance, errors, source, m, openAiError);
    }

    /**
     * The OpenAI error object: the one set, else message = detail (or title), type {@code server_error} for a
     * 5xx and {@code invalid_request_error} otherwise, no param, code = the slug.
     */
    public OpenAiError openAiErrorOrDerived() {
        if (openAiError != null) return openAiError;
        return new OpenAiError(detail != null ? detail : title, status >= 500 ? "server_error" : "invalid_request_error",
                null, slug());
    }

    /** The document; with {@code openAi}, OpenAI's {@code error} object first (OpenAI SDKs read only that). */
    public ObjectNode toJson(boolean openAi) {
        ObjectNode body = JSON.createObjectNode();
        if (openAi) {
            OpenAiError e = openAiErrorOrDerived();
            ObjectNode err = body.putObject("error");
            err.put("message", e.message());
            err.put("type", e.type());
            err.put("param", e.param());
            err.put("code", e.code());
        }
        body.put("type", type);
        body.put("title", title);
        body.put("status", status);
        if (detail != null) body.put("detail", detail);
        if (instance != null) body.put("instance", instance);
        if (!errors.isEmpty()) {
            ArrayNode errs = body.putArray("errors");
            for (FieldError fe : errors) errs.addObject().put("pointer", fe.pointer()).put("detail", fe.detail());
        }
        extensions.forEach(body::set);
        if (source != null) {
            body.put(FailureSource.MEMBER, source.wireName());
            body.put(FailureSource.RETRYABLE_MEMBER, source.retryElsewhere());
        }
        return body;
    }

    /** {@link #toJson(boolean)} as UTF-8 bytes. */
    public byte[] toBytes(boolean openAi) {
        try {
            return JSON.writeValueAsBytes(toJson(openAi));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing a JSON tree cannot fail", e);
        }
    }

    /**
     * A problem as a client reads it, leniently: a peer may omit any member. {@code status} is the HTTP status
     * (the body's own is not trusted over it); a missing type is {@code about:blank}, a missing title "".
     * Unknown members become extensions; an {@code error} object is read as the OpenAI error.
     */
    public static Problem fromJson(int status, JsonNode body) {
        if (body == null || !body.isObject()) return new Problem("about:blank", "", status, null, null, List.of(), null, Map.of(), null);
        List<FieldError> errors = new ArrayList<>();
        for (JsonNode e : body.path("errors")) errors.add(new FieldError(e.path("pointer").asText(""), e.path("detail").asText("")));
        FailureSource source = body.path(FailureSource.MEMBER).isTextual()
                ? FailureSource.fromWireName(body.get(FailureSource.MEMBER).asText()).orElse(null) : null;
        Map<String, JsonNode> ext = new LinkedHashMap<>();
        body.fields().forEachRemaining(f -> {
            if (!RESERVED.contains(f.getKey())) ext.put(f.getKey(), f.getValue());
        });
        OpenAiError openAi = null;
        JsonNode e = body.get("error");
        if (e != null && e.isObject()) {
            openAi = new OpenAiError(e.path("message").asText(""), e.path("type").asText(""), text(e.get("param")), text(e.get("code")));
        }
        return new Problem(body.path("type").isTextual() ? body.get("type").asText() : "about:blank",
                body.path("title").isTextual() ? body.get("title").asText() : "", status, text(body.get("detail")),
                text(body.get("instance")), errors, source, ext, openAi);
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }
}
