package io.verity.node.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.verity.engine.EngineException;
import io.verity.engine.LoadedModel;
import io.verity.engine.text.SentenceEmbedder;
import io.verity.llm.ChatDigests;
import io.verity.llm.EmbeddingDigests;
import io.verity.node.OpenAiSettings;
import io.verity.node.http.NodeApi;
import io.verity.node.openai.OpenAiApi;
import io.verity.node.serve.NodeService;
import io.verity.node.serve.Refusal;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.ReceiptV2;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import io.verity.protocol.wire.FailureSource;
import io.verity.protocol.wire.ProblemException;
import io.verity.protocol.wire.ProblemKind;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenAI's {@code POST /v1/embeddings} on a node, for the models of {@link EmbeddingModels}:
 *
 * <pre>
 * {"model": "all-MiniLM-L6-v2", "input": "text" | ["text", ...] | [id, ...] | [[id, ...], ...],
 *  "encoding_format": "float" (default) | "base64", "dimensions": the model's own (others are refused), "user": any}
 * → {"object": "list", "data": [{"object": "embedding", "index": i, "embedding": [...] | "base64"}], "model",
 *    "usage": {"prompt_tokens", "total_tokens"}, "verity": {receipt, requestDigest, responseDigest, applied}}
 * </pre>
 *
 * <p>Each input runs alone ({@link SentenceEmbedder}); texts are cut at the model's length as its reference
 * tokenizer cuts them, token ids are fed as given. The receipt signs the request digest and the answer's tensors
 * ({@link EmbeddingDigests}) and is priced per prompt token like a language model's. Inputs are bounded by
 * {@link OpenAiSettings.EmbeddingLimits}. Errors carry OpenAI's {@code error} object naming the field.
 */
public final class EmbeddingsApi {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingsApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String PATH = EmbeddingDigests.PATH;
    private static final Set<String> FIELDS = Set.of("model", "input", "encoding_format", "dimensions", "user");

    private EmbeddingsApi() {}

    /** The route and the models' {@code verity_kind: "embedding"} in the OpenAI model list, for {@link NodeApi#create}. */
    public static NodeApi.Extension extension(NodeService service, EmbeddingModels models) {
        return new NodeApi.Extension() {
            @Override
            public void register(JavalinConfig cfg) {
                cfg.routes.post(PATH, ctx -> serve(ctx, service, models));
            }

            @Override
            public void addModels(ObjectNode body) {
                for (JsonNode m : body.path("data")) {
                    var served = models.get(m.path("id").asText());
                    if (served.isPresent() && m.path("verity_model_digest").asText().equals(served.get().manifest().digest().toHex())) {
                        ((ObjectNode) m).put("verity_kind", "embedding").put("verity_dimensions", served.get().model().dimensions());
                    }
                }
            }

            @Override
            public void addHealth(ObjectNode body) {
                // nothing to add: an embedding model has no engine of its own that could be down
            }
        };
    }

    /** One input: a text, or token ids fed as given. */
    private record Input(String text, int[] ids) {}

    private record Request(EmbeddingModels.Served served, List<Input> inputs, boolean base64) {}

    private static void serve(Context ctx, NodeService service, EmbeddingModels models) throws IOException {
        ObjectNode body = OpenAiApi.admit(ctx, service);
        Request req = parse(body, models, service.config().openAi().embeddingLimits());
        Keccak256 requestId = OpenAiApi.requestId(ctx, service);
        Keccak256 modelDigest = req.served.manifest().digest();
        SentenceEmbedder embedder;
        try {
            LoadedModel loaded = service.load(modelDigest);
            embedder = SentenceEmbedder.of(loaded, req.served.tokenizer(), req.served.model().maxTokens());
        } catch (EngineException | IllegalArgumentException e) {
            LOG.error("embedding model {} cannot be loaded: {}", req.served.manifest().ref(), e.getMessage());
            throw OpenAiApi.error(ProblemKind.UNAVAILABLE, "server_error", "model " + req.served.manifest().ref()
                    + " cannot be loaded by " + service.engines().forModel(req.served.manifest()).id() + " on this node", null,
                    "model_unloadable", FailureSource.NODE);
        }
        Embedded embedded;
        try {
            embedded = compute(service, req, embedder);
        } catch (InputFailed f) {
            throw refusal(req, f, service.engines().maxRun());
        }
        float[][] vectors = embedded.vectors;
        long tokens = embedded.tokens;
        // Test-only lie (Faults#perturb): the node signs and sends vectors moved off what it computed.
        List<Tensor> outputs = service.faults().falsify(EmbeddingDigests.outputs(vectors, tokens));
        float[] signed = outputs.get(0).floats();
        int dim = signed.length / vectors.length;
        for (int i = 0; i < vectors.length; i++) vectors[i] = Arrays.copyOfRange(signed, i * dim, (i + 1) * dim);
        String engineId = service.engines().forModel(req.served.manifest()).id(); // the manifest's engine, else the node's
        ObjectNode applied = JSON.createObjectNode().put("model_digest", modelDigest.toHex()).put("engine", engineId)
                .put("dimensions", req.served.model().dimensions()).put("max_tokens", req.served.model().maxTokens())
                .put("encoding_format", req.base64 ? "base64" : "float");
        Keccak256 requestDigest = ChatDigests.request(PATH, body, applied);
        ObjectNode response = JSON.createObjectNode().put("object", "list");
        ArrayNode data = response.putArray("data");
        for (int i = 0; i < vectors.length; i++) {
            ObjectNode d = data.addObject().put("object", "embedding").put("index", i);
            if (req.base64) {
                d.put("embedding", EmbeddingDigests.base64(vectors[i]));
            } else {
                // each float as the double it equals, so the JSON number reads back to the same float bits
                ArrayNode v = d.putArray("embedding");
                for (float x : vectors[i]) v.add((double) x);
            }
        }
        response.put("model", req.served.model().modelName());
        response.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        Keccak256 responseDigest = TensorDigests.tensorsDigest(outputs);
        String name = req.served.model().modelName(); // a local model serves as asked: requested and served are one name
        SignedReceipt receipt = OpenAiApi.signReceipt(service, requestId, modelDigest, engineId, requestDigest, responseDigest,
                ReceiptV2.served(name, name, "", tokens, 0).withPrevReceipt(OpenAiApi.prevReceipt(ctx)));
        OpenAiApi.sendSigned(ctx, response, receipt, requestDigest, applied);
    }

    /** The vectors of a request's inputs, {@code vectors[i]} input {@code i}'s, and the tokens they took. */
    private record Embedded(float[][] vectors, long tokens) {}

    /** Input {@code index} of a request, which the engine refused, stopped at the limit, or failed on. */
    private static final class InputFailed extends RuntimeException {
        final int index;
        final EngineException failure;

        InputFailed(int index, EngineException failure) {
            super(failure.getMessage(), failure, false, false);
            this.index = index;
            this.failure = failure;
        }
    }

    /**
     * The route's compute step, which a committee member's {@link #rerun} shares: each input alone, all of them
     * under one --max-run-ms stop (256 inputs of 512 tokens must not get the limit each).
     *
     * @throws InputFailed naming the input the engine failed on
     */
    private static Embedded compute(NodeService service, Request req, SentenceEmbedder embedder) {
        return service.engines().limited(stop -> {
            float[][] vectors = new float[req.inputs.size()][];
            long tokens = 0;
            for (int i = 0; i < vectors.length; i++) {
                Input in = req.inputs.get(i);
                SentenceEmbedder.Embedding e;
                try {
                    e = in.text != null ? embedder.embed(in.text, stop) : embedder.embedIds(in.ids, stop);
                } catch (EngineException ex) {
                    throw new InputFailed(i, ex);
                }
                vectors[i] = e.vector();
                tokens += e.tokens();
            }
            return new Embedded(vectors, tokens);
        });
    }

    /** The route's answer to an input the engine failed on, with OpenAI's error naming it. */
    private static RuntimeException refusal(Request req, InputFailed f, Duration maxRun) {
        int i = f.index;
        EngineException ex = f.failure;
        if (ex.kind() == EngineException.Kind.INVALID_INPUT) return OpenAiApi.invalid(param(req, i), ex.getMessage());
        if (ex.kind() == EngineException.Kind.STOPPED) {
            LOG.warn("an embeddings request on model {} was stopped at the limit of {} ms (input {} of {})",
                    req.served.manifest().ref(), maxRun.toMillis(), i, req.inputs.size());
            return OpenAiApi.error(ProblemKind.RUN_TOO_LONG, "invalid_request_error", "the request's inputs ran "
                    + "longer than this node's limit of " + maxRun.toMillis() + " ms (--max-run-ms) and were "
                    + "stopped; nothing was charged. Send fewer or shorter inputs", "input", "run_too_long",
                    FailureSource.REQUEST);
        }
        LOG.error("embedding failed on model {}", req.served.manifest().ref(), ex);
        return OpenAiApi.error(ProblemKind.UNAVAILABLE, "server_error", "the engine failed on this request; nothing "
                + "was charged", null, "engine_failed", FailureSource.ENGINE);
    }

    /**
     * A committee member's re-run of an accused embeddings answer (the evidence's {@code request}): parsed and
     * embedded as the route does ({@link #compute}, the same --max-run-ms), on hub model {@code digest} as the
     * receipt's engine computes it ({@link NodeService#loadAs}; this node's own engine when it is unknown). Nothing
     * is signed or logged. Empty when this node does not serve {@code digest} under the request's model name here.
     *
     * @throws Refusal INVALID_INPUT when the route would refuse the request or the model its inputs, RUN_TOO_LONG
     *     when the limit stopped it, ENGINE_FAILED, or MODEL_UNLOADABLE when the model cannot be loaded as asked
     */
    public static Optional<List<Tensor>> rerun(NodeService service, EmbeddingModels models, Keccak256 digest,
            Optional<String> engine, ObjectNode request) {
        Optional<EmbeddingModels.Served> served = models.get(request.path("model").asText());
        if (served.isEmpty() || !served.get().manifest().digest().equals(digest)) return Optional.empty();
        Request req;
        try {
            req = parse(request, models, service.config().openAi().embeddingLimits());
        } catch (ProblemException e) {
            throw new Refusal(Refusal.Reason.INVALID_INPUT, "the embeddings route refuses the request: " + e.getMessage(), List.of());
        }
        SentenceEmbedder embedder;
        try {
            LoadedModel loaded = engine.isPresent() ? service.loadAs(digest, engine.get()) : service.load(digest);
            embedder = SentenceEmbedder.of(loaded, req.served.tokenizer(), req.served.model().maxTokens());
        } catch (EngineException | IllegalArgumentException e) {
            throw new Refusal(Refusal.Reason.MODEL_UNLOADABLE, "model " + digest + " cannot be loaded: " + e.getMessage(), List.of());
        }
        Embedded embedded;
        try {
            embedded = compute(service, req, embedder);
        } catch (InputFailed f) {
            throw switch (f.failure.kind()) {
                case INVALID_INPUT -> new Refusal(Refusal.Reason.INVALID_INPUT, param(req, f.index) + ": " + f.getMessage(), List.of());
                case STOPPED -> Refusal.runTooLong(service.engines().maxRun());
                default -> new Refusal(Refusal.Reason.ENGINE_FAILED, f.getMessage(), List.of());
            };
        }
        return Optional.of(EmbeddingDigests.outputs(embedded.vectors, embedded.tokens));
    }

    private static String param(Request req, int i) {
        return req.inputs.size() == 1 ? "input" : "input[" + i + "]";
    }

    /** @throws io.verity.protocol.wire.ProblemException 400 naming the field, for every refusal */
    static Request parse(ObjectNode body, EmbeddingModels models, OpenAiSettings.EmbeddingLimits limits) {
        for (var names = body.fieldNames(); names.hasNext(); ) {
            String f = names.next();
            if (!FIELDS.contains(f)) {
                throw OpenAiApi.invalid(f, "unknown field '" + f + "'; /v1/embeddings takes model, input, encoding_format, "
                        + "dimensions and user");
            }
        }
        JsonNode m = body.get("model");
        if (m == null || !m.isTextual() || m.asText().isBlank()) {
            throw OpenAiApi.invalid("model", "model is required: the name of an embedding model this node serves");
        }
        EmbeddingModels.Served served = models.get(m.asText()).orElseThrow(() -> OpenAiApi.error(ProblemKind.UNKNOWN_MODEL,
                "invalid_request_error", "The model '" + m.asText() + "' is not an embedding model this node serves ("
                        + models.names() + "); GET /v1/models lists them", "model", "model_not_found", FailureSource.REQUEST));
        JsonNode user = body.get("user");
        if (user != null && !user.isNull() && !user.isTextual()) throw OpenAiApi.invalid("user", "user must be a string");
        JsonNode fmt = body.get("encoding_format");
        boolean base64 = false;
        if (fmt != null && !fmt.isNull()) {
            if (!fmt.isTextual() || !Set.of("float", "base64").contains(fmt.asText())) {
                throw OpenAiApi.invalid("encoding_format", "encoding_format must be 'float' or 'base64', got " + fmt);
            }
            base64 = fmt.asText().equals("base64");
        }
        JsonNode dims = body.get("dimensions");
        int own = served.model().dimensions();
        if (dims != null && !dims.isNull() && !(dims.isIntegralNumber() && dims.canConvertToInt() && dims.asInt() == own)) {
            throw OpenAiApi.invalid("dimensions", served.model().modelName() + " gives " + own + " dimensions and cannot "
                    + "shorten them; omit dimensions or send " + own + ", got " + dims);
        }
        return new Request(served, inputs(body.get("input"), limits, served.tokenizer().vocabSize()), base64);
    }

    private static List<Input> inputs(JsonNode in, OpenAiSettings.EmbeddingLimits limits, int vocab) {
        String shapes = "a string, an array of strings, an array of token ids or an array of token-id arrays";
        if (in == null || in.isNull()) throw OpenAiApi.invalid("input", "input is required: " + shapes);
        if (in.isTextual()) return List.of(text(in, "input"));
        if (!in.isArray()) throw OpenAiApi.invalid("input", "input must be " + shapes + ", got " + in.getNodeType());
        if (in.isEmpty()) throw OpenAiApi.invalid("input", "input must not be an empty array");
        if (in.get(0).isNumber()) return List.of(new Input(null, ids(in, "input", limits, vocab)));
        if (in.size() > limits.maxInputs()) {
            throw OpenAiApi.invalid("input", "input holds " + in.size() + " inputs; at most " + limits.maxInputs()
                    + " are allowed in one request (--embedding-max-inputs)");
        }
        List<Input> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            JsonNode x = in.get(i);
            String at = "input[" + i + "]";
            if (x.isTextual()) out.add(text(x, at));
            else if (x.isArray()) out.add(new Input(null, ids(x, at, limits, vocab)));
            else throw OpenAiApi.invalid(at, at + " must be a string or an array of token ids, got " + x.getNodeType());
        }
        return out;
    }

    private static Input text(JsonNode x, String at) {
        if (x.asText().isEmpty()) throw OpenAiApi.invalid(at, at + " must not be an empty string");
        return new Input(x.asText(), null);
    }

    private static int[] ids(JsonNode arr, String at, OpenAiSettings.EmbeddingLimits limits, int vocab) {
        if (arr.isEmpty()) throw OpenAiApi.invalid(at, at + " must hold at least one token id");
        if (arr.size() > limits.maxInputTokens()) {
            throw OpenAiApi.invalid(at, at + " holds " + arr.size() + " token ids; at most " + limits.maxInputTokens()
                    + " are allowed in one input (--embedding-max-input-tokens)");
        }
        int[] ids = new int[arr.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = arr.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.asInt() < 0 || t.asInt() >= vocab) {
                throw OpenAiApi.invalid(at + "[" + i + "]", at + "[" + i + "] must be a token id between 0 and " + (vocab - 1)
                        + ", got " + t);
            }
            ids[i] = t.asInt();
        }
        return ids;
    }
}
