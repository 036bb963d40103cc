package io.verity.node.embed;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.engine.text.TextModel;
import io.verity.node.OpenAiSettings;
import io.verity.node.hub.Manifest;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.ModelSchema;
import io.verity.protocol.wire.ProblemException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;

/**
 * The embeddings request parser ({@link EmbeddingsApi#parse}) on generated requests: each is accepted, or refused
 * with a 4xx whose OpenAI {@code param} names a field the request holds (never a 5xx, never another exception),
 * and an accepted one stays within the limits.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EmbeddingsRequestPropertyTest {
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final OpenAiSettings.EmbeddingLimits LIMITS = new OpenAiSettings.EmbeddingLimits(4, 8);
    static final TextModel MODEL = TextModel.ALL_MINILM_L6_V2;
    static final EmbeddingModels MODELS = new EmbeddingModels(Map.of(MODEL.modelName(), new EmbeddingModels.Served(MODEL,
            new Manifest(Keccak256.ZERO, MODEL.modelName(), "1", MODEL.licence(), null, 0, Manifest.FORMAT_ONNX,
                    new ModelSchema(List.of(), List.of()), Map.of(), new Manifest.Producer("", ""), Instant.EPOCH),
            MODEL.tokenizer(MODEL.jarOnClassPath().orElseThrow()))));

    @Provide
    Arbitrary<JsonNode> tokens() {
        return Arbitraries.oneOf(Arbitraries.integers().between(-2, 30_600).map(F::numberNode),
                Arbitraries.of(F.numberNode(1.5), F.numberNode(1L << 40), F.textNode("7"), F.nullNode()));
    }

    @Provide
    Arbitrary<JsonNode> inputs() {
        Arbitrary<JsonNode> text = Arbitraries.strings().ofMaxLength(6).map(F::textNode);
        Arbitrary<JsonNode> ids = tokens().list().ofMaxSize(10).map(EmbeddingsRequestPropertyTest::array);
        Arbitrary<JsonNode> element = Arbitraries.oneOf(text, ids, tokens(), Arbitraries.just(F.objectNode()));
        return Arbitraries.oneOf(text, ids, element.list().ofMaxSize(6).map(EmbeddingsRequestPropertyTest::array),
                Arbitraries.of(F.nullNode(), F.booleanNode(true), F.numberNode(3)));
    }

    @Provide
    Arbitrary<ObjectNode> requests() {
        Arbitrary<JsonNode> model = Arbitraries.of(F.textNode(MODEL.modelName()), F.textNode("other"), F.numberNode(1), F.nullNode());
        Arbitrary<JsonNode> format = Arbitraries.of(F.textNode("float"), F.textNode("base64"), F.textNode("int8"), F.nullNode(),
                F.numberNode(0));
        Arbitrary<JsonNode> dims = Arbitraries.of(F.numberNode(384), F.numberNode(256), F.numberNode(384.5), F.textNode("384"),
                F.nullNode());
        Arbitrary<JsonNode> user = Arbitraries.of(F.textNode("u"), F.numberNode(1), F.nullNode());
        return Arbitraries.lazy(() -> net.jqwik.api.Combinators.combine(model.optional(), inputs().optional(), format.optional(),
                dims.optional(), user.optional(), Arbitraries.of(false, false, false, true)).as((m, in, f, d, u, extra) -> {
                    ObjectNode o = F.objectNode();
                    m.ifPresent(v -> o.set("model", v));
                    in.ifPresent(v -> o.set("input", v));
                    f.ifPresent(v -> o.set("encoding_format", v));
                    d.ifPresent(v -> o.set("dimensions", v));
                    u.ifPresent(v -> o.set("user", v));
                    if (extra) o.put("temperature", 0);
                    return o;
                }));
    }

    static ArrayNode array(List<JsonNode> items) {
        ArrayNode a = F.arrayNode();
        items.forEach(a::add);
        return a;
    }

    @Property(tries = 400)
    void every_request_is_accepted_within_the_limits_or_refused_naming_a_field_it_holds(@ForAll("requests") ObjectNode body) {
        try {
            EmbeddingsApi.parse(body, MODELS, LIMITS);
            JsonNode in = body.get("input");
            assertThat(in.isTextual() || in.isArray()).as("accepted %s", body).isTrue();
            if (in.isArray() && !in.get(0).isNumber()) assertThat(in.size()).isLessThanOrEqualTo(LIMITS.maxInputs());
        } catch (ProblemException e) {
            var p = e.problem();
            assertThat(p.status()).as("%s", body).isBetween(400, 499);
            assertThat(p.openAiError()).isNotNull();
            String param = p.openAiError().param();
            assertThat(param).as("%s -> %s", body, p.detail()).isNotNull();
            String top = param.replaceFirst("\\[.*", "");
            assertThat(List.of("model", "input", "encoding_format", "dimensions", "user", "temperature")).contains(top);
            if (!top.equals("model") && !top.equals("input")) assertThat(body.has(top)).isTrue();
            assertThat(at(body, param)).as("%s names %s", body, param).isNotNull();
        }
    }

    /** The value an OpenAI param ({@code input[2][5]}) names, or null when the body has none there (missing fields excepted). */
    private static JsonNode at(ObjectNode body, String param) {
        String top = param.replaceFirst("\\[.*", "");
        JsonNode v = body.has(top) ? body.get(top) : F.missingNode();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\[(\\d+)]").matcher(param);
        while (m.find()) v = v.path(Integer.parseInt(m.group(1)));
        return v.isMissingNode() && (param.contains("[") || body.has(top)) ? null : v;
    }
}
