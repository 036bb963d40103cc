package io.verity.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.llm.gguf.TinyLlama;
import io.verity.llm.schema.SchemaGuard;
import io.verity.protocol.json.InvalidFieldException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SchemaGuard against the real converter: seeded random schemas over the keywords llama.cpp's
 * json-schema-to-grammar reads (good values and bad ones); every schema the guard admits is run as a
 * json_schema constraint on a real worker, which must neither crash nor refuse it.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SchemaGuardLlamaIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> TYPES = List.of("string", "number", "integer", "boolean", "null", "object", "array", "nonsense");
    static final List<String> PATTERNS = List.of("^[a-z]+$", "^(ab|cd)*x$", "^a{2,3}$", "^\\d$", "^(a$", "^\\(x\\)$", "^.{0,5}$",
            "^(a|b)?c+$", "^[^\"\\\\]*$", "^[A-Z][a-z]{1,8}( [A-Z][a-z]{1,8})?$", "^[0-9]{4}-[0-9]{2}$", "^\"q\"$", "^a|b$",
            "^([a-c]+,)*[a-c]+$", "^$", "^x?$", "^[é]$", "^[\\]\\[]+$");
    static final List<Object> BOUNDS = List.of(0, 1, 3, 64, -1, 5000, 2.0, "7");

    final SplittableRandom random;

    SchemaGuardLlamaIT() {
        random = new SplittableRandom(SEED);
    }

    static final long SEED = 20261207;

    <T> T pick(List<T> xs) {
        return xs.get(random.nextInt(xs.size()));
    }

    ObjectNode gen(int depth) {
        ObjectNode s = JSON.createObjectNode();
        int k = random.nextInt(depth > 2 ? 6 : 13);
        switch (k) {
            case 0 -> s.put("type", pick(TYPES));
            case 1 -> {
                s.put("type", "string");
                if (random.nextBoolean()) s.putPOJO("minLength", pick(BOUNDS));
                if (random.nextBoolean()) s.putPOJO("maxLength", pick(BOUNDS));
            }
            case 2 -> s.put("type", "string").put("pattern", pick(PATTERNS));
            case 3 -> {
                s.put("type", "integer");
                if (random.nextBoolean()) s.put("minimum", random.nextInt(-50, 50));
                if (random.nextBoolean()) s.put("maximum", random.nextInt(-50, 500));
                if (random.nextInt(4) == 0) s.put("exclusiveMinimum", random.nextInt(-5, 5));
            }
            case 4 -> {
                ArrayNode e = s.putArray("enum");
                for (int i = random.nextInt(0, 4); i > 0; i--) e.add(pick(List.of("a", "b c", "x\\y", "q\"", "é")));
            }
            case 5 -> s.set("const", pick(List.of(JSON.getNodeFactory().textNode("yes"), JSON.getNodeFactory().numberNode(3),
                    JSON.createObjectNode().put("k", "v"))));
            case 6 -> {
                s.put("type", "object");
                ObjectNode props = s.putObject("properties");
                int n = random.nextInt(0, 4);
                for (int i = 0; i < n; i++) props.set(pick(List.of("a", "b", "name", "x-y", "we[ird", "$ref")), gen(depth + 1));
                if (random.nextBoolean()) s.putArray("required").add("a");
                if (random.nextInt(3) == 0) s.put("additionalProperties", random.nextBoolean());
                else if (random.nextInt(3) == 0) s.set("additionalProperties", gen(depth + 1));
            }
            case 7 -> {
                s.put("type", "array");
                s.set("items", random.nextInt(5) == 0 ? JSON.createArrayNode().add(gen(depth + 1)).add(gen(depth + 1)) : gen(depth + 1));
                if (random.nextBoolean()) s.putPOJO("minItems", pick(BOUNDS));
                if (random.nextBoolean()) s.putPOJO("maxItems", pick(BOUNDS));
            }
            case 8 -> s.putArray(random.nextBoolean() ? "anyOf" : "oneOf").add(gen(depth + 1)).add(gen(depth + 1));
            case 9 -> s.putArray("allOf").add(JSON.createObjectNode().set("properties", JSON.createObjectNode().set("p", gen(depth + 1))))
                    .add(JSON.createObjectNode().set("anyOf", JSON.createArrayNode().add(JSON.createObjectNode().set("properties",
                            JSON.createObjectNode().set("q", gen(depth + 1))))));
            case 10 -> s.put("$ref", pick(List.of("#/$defs/d", "#/$defs/e", "#/definitions/d", "#/$defs/self")));
            case 11 -> s.put("type", "string").put("format", pick(List.of("date", "time", "date-time", "uuid", "uuid4", "email")));
            default -> {
                if (random.nextBoolean()) s.put("description", "free text");
            }
        }
        return s;
    }

    ObjectNode root() {
        ObjectNode s = gen(0);
        if (random.nextBoolean()) {
            ObjectNode defs = s.putObject("$defs");
            defs.set("d", gen(2));
            defs.putObject("self").put("type", "array").putObject("items").put("$ref", "#/$defs/self");
        }
        return s;
    }

    @TempDir Path dir;

    /** An engine on a one-layer model; llama.cpp's log (where grammar errors show) goes to {@link #log()}. */
    LlmEngine tinyEngine() throws Exception {
        Path model = dir.resolve("tiny.gguf");
        TinyLlama.write(model, 1);
        return LlmEngine.start(model, 1, log());
    }

    Path log() {
        return dir.resolve("llama.log");
    }

    /** Why the guard refuses quotes in const and enum strings: the converter's literal breaks on them. */
    @Test
    void a_const_string_with_a_quote_breaks_llama_cpps_grammar_which_then_goes_unconstrained() throws Exception {
        try (LlmEngine engine = tinyEngine()) {
            engine.chat(List.of(new ChatMessage("user", "json")), new Sampling(0, 1, 0, 6), List.of(),
                    Constraint.jsonSchema("{\"const\":\"say \\\"hi\\\"\"}"), null);
        }
        assertThat(Files.readString(log())).contains("error parsing grammar");
    }

    @Test
    void every_schema_the_guard_admits_converts_in_llama_cpp_without_a_crash() throws Exception {
        int admitted = 0, refused = 0;
        try (LlmEngine engine = tinyEngine()) {
            for (int i = 0; i < 400 && admitted < 150; i++) {
                JsonNode schema = root();
                try {
                    SchemaGuard.check(schema, "schema");
                } catch (InvalidFieldException e) {
                    refused++;
                    continue;
                }
                admitted++;
                try {
                    engine.chat(List.of(new ChatMessage("user", "json")), new Sampling(0, 1, 0, 6), List.of(),
                            Constraint.jsonSchema(schema.toString()), null);
                } catch (LlmException e) {
                    throw new AssertionError("seed " + SEED + ": the guard admitted " + schema + " but llama.cpp failed: "
                            + e.getMessage(), e);
                }
            }
            assertThat(engine.restarts()).isZero();
        }
        // This build samples unconstrained when it cannot parse a grammar: that must not have happened either.
        assertThat(Files.readString(log())).doesNotContain("error parsing grammar");
        assertThat(admitted).isGreaterThan(50);
        assertThat(refused).isGreaterThan(20);
    }
}
