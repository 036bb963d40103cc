package io.verity.attestation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** The JSON form of {@link Policy}; see {@link Policy#fromJson(String)}. */
final class PolicyJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("measurements", "allowedMeasurements", "allowDebug", "maxAge", "nonce", "keyBinding",
            "acceptedTcbStatuses");

    private PolicyJson() {}

    static Policy parse(String json) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("policy is not valid JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) throw new IllegalArgumentException("policy must be a JSON object");
        n.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                throw new IllegalArgumentException("policy field \"" + f + "\" is unknown; expected one of "
                        + new java.util.TreeSet<>(FIELDS));
            }
        });
        Policy p = Policy.defaults();
        if (n.has("measurements") && n.has("allowedMeasurements")) {
            throw new IllegalArgumentException("policy may give measurements or allowedMeasurements, not both");
        }
        JsonNode m = n.get("measurements");
        if (m != null) p = p.withExpectedMeasurements(measurementSet(m, "measurements"));
        JsonNode allowed = n.get("allowedMeasurements");
        if (allowed != null) {
            if (!allowed.isArray()) {
                throw new IllegalArgumentException("policy.allowedMeasurements must be an array of objects of name to hex");
            }
            List<Map<String, Bytes>> sets = new ArrayList<>();
            for (int i = 0; i < allowed.size(); i++) sets.add(measurementSet(allowed.get(i), "allowedMeasurements[" + i + "]"));
            p = p.withAllowedMeasurements(sets);
        }
        JsonNode debug = n.get("allowDebug");
        if (debug != null) {
            if (!debug.isBoolean()) throw new IllegalArgumentException("policy.allowDebug must be true or false, got " + debug);
            p = p.withAllowDebug(debug.booleanValue());
        }
        JsonNode age = n.get("maxAge");
        if (age != null) {
            try {
                p = p.withMaxAge(Duration.parse(age.asText()));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("policy.maxAge must be an ISO-8601 duration like \"PT5M\", got " + age);
            }
        }
        if (n.has("nonce")) p = p.withNonce(hex(n.get("nonce"), "nonce"));
        if (n.has("keyBinding")) p = p.withKeyBinding(hex(n.get("keyBinding"), "keyBinding"));
        JsonNode tcb = n.get("acceptedTcbStatuses");
        if (tcb != null) {
            if (!tcb.isArray()) throw new IllegalArgumentException("policy.acceptedTcbStatuses must be an array of strings");
            Set<String> s = new LinkedHashSet<>();
            tcb.forEach(v -> s.add(v.asText()));
            p = p.withAcceptedTcbStatuses(s);
        }
        return p;
    }

    private static Map<String, Bytes> measurementSet(JsonNode m, String field) {
        if (!m.isObject() || m.isEmpty()) {
            throw new IllegalArgumentException("policy." + field + " must be a non-empty object of name to hex");
        }
        Map<String, Bytes> expected = new LinkedHashMap<>();
        m.properties().forEach(e -> expected.put(e.getKey(), hex(e.getValue(), field + "." + e.getKey())));
        return expected;
    }

    private static Bytes hex(JsonNode v, String field) {
        if (v == null || !v.isTextual()) throw new IllegalArgumentException("policy." + field + " must be a hex string, got " + v);
        try {
            return Bytes.ofHex(v.asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("policy." + field + ": " + e.getMessage());
        }
    }
}
