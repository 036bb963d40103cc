package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.verity.engine.EngineKind;
import io.verity.node.fixture.EmbeddingNode;
import io.verity.node.hub.ModelHub;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.Optional;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 13, "one request must not exhaust a node": a model whose run time the request sets (a Loop's trip count, a
 * DFT's signal length) is stopped at {@code --max-run-ms} on either engine; the client gets 422 {@code run-too-long}
 * naming the flag and the limit, of source {@code request} and not retryable (so a gateway does not carry it to the
 * next node); nothing is signed, and the node serves the next request. An embeddings request's inputs share one limit.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RunTimeLimitIT {
    static final Duration LIMIT = Duration.ofMillis(300);

    @TempDir Path home;

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void a_loop_whose_trip_count_the_request_sets_is_stopped_at_the_limit_and_the_next_request_is_served(EngineKind engine)
            throws Exception {
        add("spin", spinModel(), engine);
        try (InferenceNode node = InferenceNode.start(NodeConfig.defaults(home).withMaxRun(LIMIT));
                HttpClient http = HttpClient.newHttpClient()) {
            NodeFixture.Response stopped = infer(http, node.url(), spinRequest(Long.MAX_VALUE)); // runs for ever unless stopped
            assertStoppedAtTheLimit(stopped);
            assertThat(receipts(http, node.url())).as("no receipt for a stopped run").isZero();

            NodeFixture.Response next = infer(http, node.url(), spinRequest(3));
            assertThat(next.status()).as(next.body().toString()).isEqualTo(200);
            assertThat(next.body().at("/outputs/0/data/0").asDouble()).isEqualTo(2.5); // the loop carries x through
            assertThat(receipts(http, node.url())).isEqualTo(1);
        }
    }

    /** One DFT node: the interpreter's check between nodes never comes, so only the kernel's own check can stop it. */
    @Test
    void a_det_dft_of_a_long_signal_is_stopped_inside_the_kernel() throws Exception {
        add("dft", dftModel(), EngineKind.DET);
        try (InferenceNode node = InferenceNode.start(NodeConfig.defaults(home).withMaxRun(LIMIT));
                HttpClient http = HttpClient.newHttpClient()) {
            // 65536 samples: 4.3e9 complex products by the definition, tens of seconds on one core
            assertStoppedAtTheLimit(infer(http, node.url(), dftRequest(65536)));

            NodeFixture.Response next = infer(http, node.url(), dftRequest(8));
            assertThat(next.status()).as(next.body().toString()).isEqualTo(200);
            assertThat(receipts(http, node.url())).isEqualTo(1);
        }
    }

    /**
     * An embeddings request runs one model run per input: the limit holds for the request as a whole, or 256 inputs
     * would each get the limit. The answer is OpenAI's error object inside the problem.
     */
    @Test
    void an_embeddings_request_of_many_long_inputs_is_stopped_at_the_limit_as_a_whole() throws Exception {
        EmbeddingNode.install(home);
        try (InferenceNode node = InferenceNode.start(NodeConfig.defaults(home).withMaxRun(LIMIT));
                HttpClient http = HttpClient.newHttpClient()) {
            // 100 inputs cut at the model's 256 tokens: tens of ms each under ORT, seconds in all
            String text = "\"" + "verifiable inference ".repeat(200) + "\"";
            String many = "{\"model\":\"" + EmbeddingNode.MODEL.modelName() + "\",\"input\":["
                    + String.join(",", Collections.nCopies(100, text)) + "]}";
            NodeFixture.Response stopped = post(http, node.url(), "/v1/embeddings", many);
            assertStoppedAtTheLimit(stopped);
            assertThat(stopped.body().at("/error/code").asText()).isEqualTo("run_too_long");
            assertThat(stopped.body().at("/error/param").asText()).isEqualTo("input");
            assertThat(receipts(http, node.url())).as("no receipt for a stopped request").isZero();

            NodeFixture.Response next = post(http, node.url(), "/v1/embeddings",
                    "{\"model\":\"" + EmbeddingNode.MODEL.modelName() + "\",\"input\":\"hello\"}");
            assertThat(next.status()).as(next.body().toString()).isEqualTo(200);
            assertThat(next.body().at("/data/0/embedding")).hasSize(EmbeddingNode.MODEL.dimensions());
            assertThat(receipts(http, node.url())).isEqualTo(1);
        }
    }

    private static void assertStoppedAtTheLimit(NodeFixture.Response r) {
        assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(422);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.body().path("type").asText()).isEqualTo("urn:verity:problem:run-too-long");
        assertThat(r.body().path("detail").asText()).contains("limit of 300 ms").contains("--max-run-ms");
        assertThat(r.body().path("source").asText()).isEqualTo("request");
        assertThat(r.body().path("retryable").asBoolean(true)).isFalse();
    }

    private void add(String name, byte[] model, EngineKind engine) throws Exception {
        Path file = Files.write(home.resolve(name + ".onnx"), model);
        new ModelHub(home.resolve("models")).add(file, name, "1", null, null, Optional.of(engine));
    }

    private static NodeFixture.Response infer(HttpClient http, URI node, String body) throws Exception {
        return post(http, node, "/v1/infer", body);
    }

    private static NodeFixture.Response post(HttpClient http, URI node, String path, String body) throws Exception {
        // bounded: without the stop, these runs take minutes (the spin: for ever)
        HttpRequest req = HttpRequest.newBuilder(node.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        String type = r.headers().firstValue("Content-Type").orElse("");
        return new NodeFixture.Response(r.statusCode(), type, NodeFixture.JSON.readTree(r.body()), r.body());
    }

    private static int receipts(HttpClient http, URI node) throws Exception {
        return NodeFixture.get(http, node, "/health").body().path("receipts").asInt(-1);
    }

    private static String spinRequest(long trips) {
        return "{\"model\":\"spin\",\"inputs\":[{\"name\":\"n\",\"dtype\":\"int64\",\"shape\":[],\"data\":[" + trips + "]},"
                + "{\"name\":\"x\",\"dtype\":\"float32\",\"shape\":[1],\"b64\":\"" + floats(2.5f) + "\"}]}";
    }

    private static String dftRequest(int samples) {
        float[] signal = new float[samples];
        for (int i = 0; i < samples; i++) signal[i] = (float) Math.sin(i * 0.01);
        return "{\"model\":\"dft\",\"inputs\":[{\"name\":\"signal\",\"dtype\":\"float32\",\"shape\":[1," + samples + ",1],\"b64\":\""
                + floats(signal) + "\"}]}";
    }

    private static String floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return Base64.getEncoder().encodeToString(b.array());
    }

    /** y = Loop(n, "", x) whose body passes x on: n trips of almost nothing, n from the request. */
    static byte[] spinModel() {
        GraphProto body = GraphProto.newBuilder().setName("body")
                .addInput(value("i", TensorProto.DataType.INT64_VALUE)).addInput(value("c", TensorProto.DataType.BOOL_VALUE))
                .addInput(value("v", TensorProto.DataType.FLOAT_VALUE, 1))
                .addNode(node("Identity", "c", "c_out")).addNode(node("Identity", "v", "v_out"))
                .addOutput(value("c_out", TensorProto.DataType.BOOL_VALUE))
                .addOutput(value("v_out", TensorProto.DataType.FLOAT_VALUE, 1)).build();
        NodeProto.Builder loop = NodeProto.newBuilder().setOpType("Loop").setName("loop").addInput("n").addInput("").addInput("x")
                .addOutput("y").addAttribute(AttributeProto.newBuilder().setName("body")
                        .setType(AttributeProto.AttributeType.GRAPH).setG(body));
        return model(GraphProto.newBuilder().setName("spin").addNode(loop)
                .addInput(value("n", TensorProto.DataType.INT64_VALUE)).addInput(value("x", TensorProto.DataType.FLOAT_VALUE, 1))
                .addOutput(value("y", TensorProto.DataType.FLOAT_VALUE, 1)).build());
    }

    /** spectrum [1, N, 2] = DFT(signal [1, N, 1]), N from the request. */
    static byte[] dftModel() {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1));
        ValueInfoProto signal = ValueInfoProto.newBuilder().setName("signal").setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
        TensorShapeProto.Builder bins = shape.clone().setDim(2, TensorShapeProto.Dimension.newBuilder().setDimValue(2));
        ValueInfoProto spectrum = ValueInfoProto.newBuilder().setName("spectrum").setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(bins))).build();
        return model(GraphProto.newBuilder().setName("dft").addNode(node("DFT", "signal", "spectrum"))
                .addInput(signal).addOutput(spectrum).build());
    }

    private static NodeProto node(String op, String in, String out) {
        return NodeProto.newBuilder().setOpType(op).setName(op + "_" + out).addInput(in).addOutput(out).build();
    }

    private static ValueInfoProto value(String name, int elemType, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(s))).build();
    }

    private static byte[] model(GraphProto graph) {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("verity-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17)).setGraph(graph).build().toByteArray();
    }
}
