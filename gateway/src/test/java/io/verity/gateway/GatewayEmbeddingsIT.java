package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.jdk.JdkHttpClient;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.llm.EmbeddingDigests;
import dev.langchain4j.model.embedding.onnx.e5smallv2q.E5SmallV2QuantizedEmbeddingModel;
import io.verity.engine.text.TextModel;
import io.verity.node.InferenceNode;
import io.verity.node.embed.EmbeddingModels;
import io.verity.node.hub.ModelHub;
import io.verity.node.fixture.EmbeddingNode;
import io.verity.node.fixture.OpenAiSdk;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code POST /v1/embeddings} through the gateway (issue 17): two staked nodes serve all-MiniLM-L6-v2 from their
 * hubs; LangChain4j's {@code OpenAiEmbeddingModel} and the {@code openai} npm client, unchanged, get vectors that
 * match LangChain4j's own in-process {@code AllMiniLmL6V2EmbeddingModel} (cosine >= 0.9999) with receipts the
 * gateway checked and paid; {@code redundant:2} and {@code sample:1} compare two nodes' vectors; a hostile input
 * is refused once, naming the field, without failover.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class GatewayEmbeddingsIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final BigInteger PRICE_PER_TOKEN = BigInteger.TEN.pow(9);
    static final String MODEL = EmbeddingNode.MODEL.modelName();
    static final double COSINE = 0.9999;
    static final List<String> TEXTS = List.of("Hello world", "The quick brown fox jumps over the lazy dog.",
            "Verity settles verifiable inference on chain; receipts carry the model hash.");

    @RegisterExtension static final LocalNetwork net = LocalNetwork.builder().nodes(2).withoutVad().clientAccount(4)
            .node((i, c) -> c.withPrice(PRICE_PER_TOKEN))
            .starter((i, c) -> {
                EmbeddingNode.install(c.home());
                EmbeddingModels.install(new ModelHub(c.home().resolve("models")), TextModel.E5_SMALL_V2_Q);
                return InferenceNode.start(c);
            })
            .gateway(g -> g.refreshInterval(Duration.ofMillis(500))).build();
    static Gateway gateway;
    static HttpClient http;
    /** LangChain4j's own in-process all-MiniLM-L6-v2, loaded once for every class that compares with it. */
    private static final class Reference {
        static final AllMiniLmL6V2EmbeddingModel MODEL = new AllMiniLmL6V2EmbeddingModel();
    }

    @BeforeAll
    static void start() throws Exception {
        gateway = net.gateway();
        http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(30)).until(() -> OpenAiClients.get(http, gateway.url(), "/v1/models").toString()
                .contains("\"verity_kind\":\"embedding\""));
    }

    @AfterAll
    static void stop() {
        if (http != null) http.close();
    }

    static SignedReceipt checked(JsonNode answer) {
        return checked(answer, net);
    }

    static Eip712Domain domain() {
        return domain(net);
    }

    static Eip712Domain domain(LocalNetwork net) {
        return Eip712Domain.verity(net.chain().chainId(), net.chain().deployment().settlement());
    }

    static float[] reference(String text) {
        return Reference.MODEL.embed(text).content().vector();
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** The gateway's checks, redone by the client: signature in this chain's domain, a node of the network, the vectors. */
    static SignedReceipt checked(JsonNode answer, LocalNetwork net) {
        JsonNode verity = answer.get("verity");
        SignedReceipt receipt = ReceiptJson.read(verity.get("receipt"), "/verity/receipt");
        assertThat(receipt.verify(domain(net))).isInstanceOf(ReceiptVerdict.Verified.class);
        InferenceNode signer = net.nodes().stream().filter(n -> n.address().equals(receipt.receipt().node())).findFirst()
                .orElseThrow(() -> new AssertionError("signed by " + receipt.receipt().node() + ", none of the network's nodes"));
        assertThat(receipt.receipt().outputsDigest()).isEqualTo(EmbeddingDigests.response(answer));
        long tokens = answer.at("/usage/total_tokens").asLong();
        assertThat(receipt.receipt().price()).isEqualTo(signer.config().price().multiply(BigInteger.valueOf(tokens)));
        return receipt;
    }

    /** LangChain4j's JDK HTTP client, keeping each answer as it came (the vectors' client drops the verity member). */
    static final class Recording implements HttpClientBuilder {
        final HttpClientBuilder jdk = JdkHttpClient.builder();
        final List<SuccessfulHttpResponse> answers = new CopyOnWriteArrayList<>();

        @Override
        public Duration connectTimeout() {
            return jdk.connectTimeout();
        }

        @Override
        public HttpClientBuilder connectTimeout(Duration d) {
            jdk.connectTimeout(d);
            return this;
        }

        @Override
        public Duration readTimeout() {
            return jdk.readTimeout();
        }

        @Override
        public HttpClientBuilder readTimeout(Duration d) {
            jdk.readTimeout(d);
            return this;
        }

        @Override
        public dev.langchain4j.http.client.HttpClient build() {
            dev.langchain4j.http.client.HttpClient inner = jdk.build();
            return new dev.langchain4j.http.client.HttpClient() {
                @Override
                public SuccessfulHttpResponse execute(dev.langchain4j.http.client.HttpRequest request) {
                    SuccessfulHttpResponse r = inner.execute(request);
                    answers.add(r);
                    return r;
                }

                @Override
                public void execute(dev.langchain4j.http.client.HttpRequest request,
                        dev.langchain4j.http.client.sse.ServerSentEventParser parser,
                        dev.langchain4j.http.client.sse.ServerSentEventListener listener) {
                    inner.execute(request, parser, listener);
                }
            };
        }
    }

    @Test
    void langchain4j_openai_embedding_model_gets_the_reference_vectors_with_a_checked_paid_receipt() throws Exception {
        Recording recording = new Recording();
        OpenAiEmbeddingModel client = OpenAiEmbeddingModel.builder().baseUrl(gateway.url() + "/v1").apiKey("unused")
                .modelName(MODEL).httpClientBuilder(recording).maxRetries(0).timeout(Duration.ofSeconds(30)).build();
        List<Embedding> got = client.embedAll(TEXTS.stream().map(TextSegment::from).toList()).content();
        assertThat(got).hasSize(TEXTS.size());
        for (int i = 0; i < TEXTS.size(); i++) {
            assertThat(cosine(got.get(i).vector(), reference(TEXTS.get(i)))).as(TEXTS.get(i)).isGreaterThanOrEqualTo(COSINE);
        }
        assertThat(recording.answers).hasSize(1);
        JsonNode answer = JSON.readTree(recording.answers.get(0).body());
        SignedReceipt receipt = checked(answer);
        JsonNode verity = answer.get("verity");
        assertThat(verity.at("/verdict/status").asText()).isEqualTo("single");
        assertThat(verity.at("/payment/node").asText()).isEqualTo(receipt.receipt().node().toString());
        assertThat(new BigInteger(verity.at("/payment/amount").asText())).isEqualTo(receipt.receipt().price());
        assertThat(recording.answers.get(0).headers().get("Verity-Receipt-Id")).containsExactly(receipt.id().toHex());
        // like every receipt, it settles: the signer commits it in a batch on chain
        InferenceNode signer = net.nodes().stream().filter(n -> n.address().equals(receipt.receipt().node())).findFirst().orElseThrow();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(OpenAiClients.get(http, signer.url(),
                "/v1/receipts/" + receipt.id().toHex() + "/proof").has("batchRoot")).isTrue());
    }

    @Test
    void the_openai_npm_client_gets_the_reference_vectors_in_base64_and_floats_and_reads_a_refusal() throws Exception {
        JsonNode out = OpenAiSdk.npmScript("tools/openai-embeddings-check.mjs", gateway.url(), MODEL);
        for (String encoding : List.of("default", "float")) {
            JsonNode seen = out.get(encoding);
            for (int i = 0; i < 2; i++) {
                String text = out.at("/input/" + i).asText();
                float[] v = new float[seen.at("/vectors/" + i).size()];
                for (int j = 0; j < v.length; j++) v[j] = (float) seen.at("/vectors/" + i + "/" + j).asDouble();
                assertThat(cosine(v, reference(text))).as(encoding + ": " + text).isGreaterThanOrEqualTo(COSINE);
            }
            SignedReceipt receipt = ReceiptJson.read(seen.at("/verity/receipt"), "");
            assertThat(receipt.verify(domain())).isInstanceOf(ReceiptVerdict.Verified.class);
            assertThat(seen.at("/verity/verdict/status").asText()).isEqualTo("single");
        }
        // one answer in base64, one in floats: the same vectors under the same signed outputs digest
        assertThat(ReceiptJson.read(out.at("/default/verity/receipt"), "").receipt().outputsDigest())
                .isEqualTo(ReceiptJson.read(out.at("/float/verity/receipt"), "").receipt().outputsDigest());
        assertThat(out.at("/error/status").asInt()).isEqualTo(400);
        assertThat(out.at("/error/name").asText()).isEqualTo("BadRequestError");
        assertThat(out.at("/error/param").asText()).isEqualTo("input[1]");
    }

    static JsonNode post(String body, String policy) throws Exception {
        return post(http, gateway, body, policy);
    }

    static JsonNode post(HttpClient http, Gateway gateway, String body, String policy) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/embeddings"))
                .header("Content-Type", "application/json").header("Verity-Policy", policy)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void redundant_2_compares_both_nodes_vectors_and_pays_both() throws Exception {
        JsonNode answer = post("{\"model\":\"" + MODEL + "\",\"input\":[\"Hello world\",\"redundant\"]}", "redundant:2");
        checked(answer);
        JsonNode verity = answer.get("verity");
        assertThat(verity.at("/verdict/status").asText()).as("%s", verity.get("verdict")).isEqualTo("agreed");
        assertThat(verity.at("/verdict/agreeing").asInt()).isEqualTo(2);
        // two ORT nodes on one machine: the same bits, or else within the model's tolerance
        assertThat(verity.at("/verdict/comparison").asText()).matches("bit-exact|tolerance:.*");
        List<String> signers = new ArrayList<>();
        for (JsonNode r : verity.get("receipts")) {
            SignedReceipt receipt = ReceiptJson.read(r, "");
            assertThat(receipt.verify(domain())).isInstanceOf(ReceiptVerdict.Verified.class);
            signers.add(receipt.receipt().node().toString());
        }
        assertThat(signers).containsExactlyInAnyOrder(net.node(1).address().toString(), net.node(2).address().toString());
        assertThat(verity.get("payments")).hasSize(2);
    }

    @Test
    void sample_1_audits_the_answer_on_the_other_node_without_a_mismatch() throws Exception {
        JsonNode answer = post("{\"model\":\"" + MODEL + "\",\"input\":\"Audit me\"}", "sample:1");
        SignedReceipt receipt = checked(answer);
        assertThat(answer.at("/verity/verdict/status").asText()).isEqualTo("sampled");
        assertThat(answer.at("/verity/verdict/audit").asText()).isEqualTo("scheduled");
        InferenceNode other = net.node(1).address().equals(receipt.receipt().node()) ? net.node(2) : net.node(1);
        String client = gateway.clientAccount().orElseThrow().toString();
        // the audit's receipt reaches the other node's voucher channel: it re-ran the request and was paid
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(OpenAiClients.get(http, other.url(),
                "/v1/vouchers/" + client).path("cumulativeAmount").asText("0")).isNotEqualTo("0"));
        assertThat(gateway.evidence()).noneMatch(e -> e.kind() == io.verity.gateway.evidence.EvidenceLog.Kind.AUDIT_MISMATCH);
    }

    @Test
    void a_hostile_input_is_refused_once_naming_the_field_and_no_other_node_is_tried() throws Exception {
        for (Map.Entry<String, String> c : Map.of(
                "{\"model\":\"" + MODEL + "\",\"input\":[[101,99999999]]}", "input[0][1]",
                "{\"model\":\"" + MODEL + "\",\"input\":\"x\",\"dimensions\":64}", "dimensions").entrySet()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/embeddings"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(c.getKey())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            JsonNode p = JSON.readTree(r.body());
            assertThat(p.at("/error/param").asText()).as(r.body()).isEqualTo(c.getValue());
            assertThat(p.get("attempts")).as(r.body()).hasSize(1);
        }
        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/embeddings"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"tiny-llama\",\"input\":\"x\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).at("/error/code").asText()).isEqualTo("model_not_found");
    }

    @Test
    void a_second_bundled_model_e5_small_v2_q_matches_its_reference_too() throws Exception {
        Recording recording = new Recording();
        OpenAiEmbeddingModel client = OpenAiEmbeddingModel.builder().baseUrl(gateway.url() + "/v1").apiKey("unused")
                .modelName(TextModel.E5_SMALL_V2_Q.modelName()).httpClientBuilder(recording).maxRetries(0)
                .timeout(Duration.ofSeconds(30)).build();
        List<String> texts = List.of("query: how are receipts signed?", "passage: Every answer carries a signed receipt.");
        List<Embedding> got = client.embedAll(texts.stream().map(TextSegment::from).toList()).content();
        var e5 = new E5SmallV2QuantizedEmbeddingModel();
        for (int i = 0; i < texts.size(); i++) {
            assertThat(cosine(got.get(i).vector(), e5.embed(texts.get(i)).content().vector())).as(texts.get(i))
                    .isGreaterThanOrEqualTo(COSINE);
        }
        SignedReceipt receipt = checked(JSON.readTree(recording.answers.get(0).body()));
        JsonNode manifest = OpenAiClients.get(http, net.node(1).url(), "/v1/models/" + receipt.receipt().modelDigest().toHex());
        assertThat(manifest.toString()).contains("\"MIT\"").contains("intfloat/e5-small-v2");
    }

    @Test
    void the_model_list_names_the_embedding_model_and_its_nodes() throws Exception {
        JsonNode data = OpenAiClients.get(http, gateway.url(), "/v1/models").get("data");
        JsonNode m = null;
        for (JsonNode d : data) if (d.get("id").asText().equals(MODEL)) m = d;
        assertThat(m).isNotNull();
        assertThat(m.get("verity_kind").asText()).isEqualTo("embedding");
        assertThat(m.get("verity_nodes")).hasSize(2);
        Tensor t = EmbeddingDigests.outputs(post("{\"model\":\"" + MODEL + "\",\"input\":\"x\"}", "none")).get(0);
        assertThat(Arrays.stream(t.shape().dims()).boxed().toList()).containsExactly(1L, 384L);
    }
}
