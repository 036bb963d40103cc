package io.verity.node.hub;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.ModelSchema;
import io.verity.protocol.tensor.TensorSpec;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The manifest's JSON form. Dims are numbers (fixed) or strings (dynamic; "" when unnamed), dtypes their
 * wire names, the digest 0x-hex, addedAt ISO-8601 UTC. Built on Jackson's tree model so the field set is
 * explicit and the canonical form is easy to pin.
 */
final class ManifestJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ManifestJson() {}

    static String write(Manifest m) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(tree(m, true));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise manifest " + m.digest(), e);
        }
    }

    static byte[] canonical(Manifest m) {
        try {
            return MAPPER.writeValueAsBytes(sorted(tree(m, false)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise manifest " + m.digest(), e);
        }
    }

    static ObjectNode tree(Manifest m, boolean withLocalFields) {
        ObjectNode o = F.objectNode();
        o.put("digest", m.digest().toHex());
        o.put("name", m.name());
        o.put("version", m.version());
        o.put("license", m.license());
        o.put("source", m.source());
        o.put("sizeBytes", m.sizeBytes());
        o.put("format", m.format());
        ObjectNode schema = o.putObject("schema");
        schema.set("inputs", specs(m.schema().inputs()));
        schema.set("outputs", specs(m.schema().outputs()));
        ObjectNode opsets = o.putObject("opsets");
        m.opsets().forEach(opsets::put);
        ObjectNode producer = o.putObject("producer");
        producer.put("name", m.producer().name());
        producer.put("version", m.producer().version());
        if (withLocalFields) o.put("addedAt", m.addedAt().toString()); // local, not canonical: see Manifest#engine
        if (withLocalFields && m.engine().isPresent()) o.put("engine", m.engine().get().wireName());
        return o;
    }

    private static ArrayNode specs(List<TensorSpec> specs) {
        ArrayNode a = F.arrayNode();
        for (TensorSpec s : specs) {
            ObjectNode o = a.addObject();
            o.put("name", s.name());
            o.put("dtype", s.dtype().wireName());
            ArrayNode dims = o.putArray("dims");
            for (TensorSpec.Dim d : s.dims()) {
                switch (d) {
                    case TensorSpec.Dim.Fixed f -> dims.add(f.size());
                    case TensorSpec.Dim.Dynamic dyn -> dims.add(dyn.name());
                }
            }
        }
        return a;
    }

    /** Object keys sorted (by UTF-16 code unit, which equals byte order for the ASCII keys used here). */
    private static JsonNode sorted(JsonNode n) {
        if (n.isObject()) {
            ObjectNode o = F.objectNode();
            TreeSet<String> names = new TreeSet<>();
            n.fieldNames().forEachRemaining(names::add);
            for (String k : names) o.set(k, sorted(n.get(k)));
            return o;
        }
        if (n.isArray()) {
            ArrayNode a = F.arrayNode();
            for (JsonNode e : n) a.add(sorted(e));
            return a;
        }
        return n;
    }

    static Manifest parse(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("manifest is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("manifest must be a JSON object");
        Keccak256 digest = Keccak256.parse(text(root, "digest"));
        JsonNode schemaNode = object(root, "schema", "schema");
        ModelSchema schema = new ModelSchema(
                specs(schemaNode, "inputs"), specs(schemaNode, "outputs"));
        Map<String, Long> opsets = new TreeMap<>();
        JsonNode opsetNode = object(root, "opsets", "opsets");
        for (Map.Entry<String, JsonNode> e : opsetNode.properties()) {
            if (!e.getValue().canConvertToLong() || !e.getValue().isIntegralNumber()) {
                throw new IllegalArgumentException(
                        "manifest field 'opsets." + e.getKey() + "' must be an integer, got " + e.getValue());
            }
            opsets.put(e.getKey(), e.getValue().longValue());
        }
        JsonNode producerNode = object(root, "producer", "producer");
        Manifest.Producer producer = new Manifest.Producer(
                text(producerNode, "name", "producer.name"), text(producerNode, "version", "producer.version"));
        JsonNode size = root.get("sizeBytes");
        if (size == null || !size.isIntegralNumber() || !size.canConvertToLong()) {
            throw new IllegalArgumentException("manifest field 'sizeBytes' must be an integer, got " + size);
        }
        Instant addedAt;
        try {
            addedAt = Instant.parse(text(root, "addedAt"));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "manifest field 'addedAt' must be an ISO-8601 instant, got '" + root.get("addedAt").asText() + "'");
        }
        return new Manifest(digest, text(root, "name"), text(root, "version"), optionalText(root, "license"),
                optionalText(root, "source"), size.longValue(), text(root, "format"), schema, opsets, producer,
                addedAt, engine(root));
    }

    /** Absent or null: the node's default engine. */
    private static java.util.Optional<io.verity.engine.EngineKind> engine(JsonNode root) {
        try {
            return java.util.Optional.ofNullable(optionalText(root, "engine")).map(io.verity.engine.EngineKind::parse);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("manifest field 'engine': " + e.getMessage(), e);
        }
    }

    private static List<TensorSpec> specs(JsonNode schema, String field) {
        JsonNode a = schema.get(field);
        if (a == null || !a.isArray()) {
            throw new IllegalArgumentException("manifest field 'schema." + field + "' must be an array, got " + a);
        }
        List<TensorSpec> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            String where = "schema." + field + "[" + i + "]";
            JsonNode s = a.get(i);
            if (!s.isObject()) throw new IllegalArgumentException("manifest field '" + where + "' must be an object");
            DType dtype = DType.fromWireName(text(s, "dtype", where + ".dtype"));
            JsonNode dims = s.get("dims");
            if (dims == null || !dims.isArray()) {
                throw new IllegalArgumentException("manifest field '" + where + ".dims' must be an array, got " + dims);
            }
            List<TensorSpec.Dim> ds = new ArrayList<>();
            for (int j = 0; j < dims.size(); j++) {
                JsonNode d = dims.get(j);
                if (d.isTextual()) {
                    ds.add(new TensorSpec.Dim.Dynamic(d.asText()));
                } else if (d.isIntegralNumber() && d.canConvertToLong() && d.longValue() >= 0) {
                    ds.add(new TensorSpec.Dim.Fixed(d.longValue()));
                } else {
                    throw new IllegalArgumentException("manifest field '" + where + ".dims[" + j
                            + "]' must be a size >= 0 or a dim name, got " + d);
                }
            }
            out.add(new TensorSpec(text(s, "name", where + ".name"), dtype, ds));
        }
        return out;
    }

    private static JsonNode object(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("manifest field '" + path + "' must be an object, got " + n);
        }
        return n;
    }

    private static String text(JsonNode parent, String field) {
        return text(parent, field, field);
    }

    private static String text(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException("manifest field '" + path + "' must be a string, got " + n);
        }
        return n.asText();
    }

    private static String optionalText(JsonNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) {
            throw new IllegalArgumentException("manifest field '" + field + "' must be a string or null, got " + n);
        }
        return n.asText();
    }
}
