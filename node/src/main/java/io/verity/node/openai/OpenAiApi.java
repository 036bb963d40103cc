package io.verity.node.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.verity.llm.ChatDigests;
import io.verity.llm.ChatMessage;
import io.verity.llm.Completion;
import io.verity.llm.Constraint;
import io.verity.llm.LlmEngine;
import io.verity.llm.LlmException;
import io.verity.llm.Sampling;
import io.verity.llm.schema.SchemaGuard;
import io.verity.node.OpenAiSettings;
import io.verity.node.http.NodeApi;
import io.verity.node.hub.Manifest;
import io.verity.node.serve.NodeService;
import io.verity.node.serve.Refusal;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.StrictJson;
import io.verity.protocol.receipt.ReceiptV2;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.wire.FailureSource;
import io.verity.protocol.wire.Problem;
import io.verity.protocol.wire.ProblemException;
import io.verity.protocol.wire.ProblemKind;
import jakarta.servlet.ServletOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenAI-compatible routes on a node, for the language models it serves ({@link InferenceNode#serveLlm}):
 *
 * <pre>
 * POST /v1/chat/completions   chat.completion, or SSE chat.completion.chunk when stream
 * POST /v1/completions        text_completion, or SSE when stream
 * GET  /v1/models             (NodeApi's route) also carries {object: "list", data: [{id, object: "model", ...}]}
 * </pre>
 *
 * <p>Every answer carries a {@code verity} object: the signed receipt ({@code inputsDigest} = request digest,
 * {@code outputsDigest} = response digest, see {@link ChatDigests}), both digests and the sampling settings
 * applied. Non-streamed answers also carry it in {@code Verity-*} headers; streamed ones send it in the last
 * chunk before {@code [DONE]} (their headers leave before the answer exists, so they carry only the request
 * digest). The receipt's price is the node's price times the tokens (prompt + completion).
 *
 * <p>Errors have both shapes at once: OpenAI's {@code {"error": {message, type, param, code}}}, which the
 * OpenAI clients read, and the RFC 9457 members ({@code type}, {@code title}, {@code status}, {@code detail},
 * {@code errors[].pointer}) the rest of the node uses.
 */
public final class OpenAiApi {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiApi.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final SecureRandom SEEDS = new SecureRandom();
    static final int DEFAULT_MAX_TOKENS = Sampling.DEFAULT_MAX_TOKENS;
    static final int MAX_N = Sampling.MAX_CHOICES;
    static final String CHAT = "/v1/chat/completions";
    static final String COMPLETIONS = "/v1/completions";

    private OpenAiApi() {}

    /** The OpenAI routes and their parts of {@code GET /v1/models} and {@code GET /health}, for {@link NodeApi#create}. */
    public static NodeApi.Extension extension(NodeService service, LanguageModels models) {
        return new NodeApi.Extension() {
            @Override
            public void register(JavalinConfig cfg) {
                OpenAiApi.register(cfg, service, models);
            }

            @Override
            public void addModels(ObjectNode body) {
                addModelList(body, service, models);
            }

            @Override
            public void addHealth(ObjectNode body) {
                OpenAiApi.addHealth(body, models);
            }
        };
    }

    static void register(JavalinConfig cfg, NodeService service, LanguageModels models) {
        cfg.routes.post(CHAT, ctx -> serve(ctx, service, models, true));
        cfg.routes.post(COMPLETIONS, ctx -> serve(ctx, service, models, false));
        cfg.routes.exception(OpenAiException.class, (e, ctx) -> sendError(ctx, e));
    }

    /** Adds the OpenAI list shape to the node's {@code GET /v1/models} body: every model, LLM or not. */
    static void addModelList(ObjectNode body, NodeService service, LanguageModels models) {
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        for (var e : models.local().entrySet()) {
            data.addObject().put("id", e.getKey()).put("object", "model").put("created", 0).put("owned_by",
                    service.identity().address().toString()).put("verity_model_digest", e.getValue().modelDigest().toHex())
                    .put("verity_kind", "llm").put("verity_state", e.getValue().state().wireName());
        }
        for (Manifest m : service.hub().list()) {
            if (Manifest.FORMAT_GGUF.equals(m.format())) continue; // listed above, as the node serves it
            data.addObject().put("id", m.name()).put("object", "model").put("created", m.addedAt().getEpochSecond())
                    .put("owned_by", service.identity().address().toString()).put("verity_model_digest", m.digest().toHex())
                    .put("verity_kind", "onnx");
        }
        models.upstream().ifPresent(u -> u.addModels(data, service.identity().address().toString()));
    }

    /**
     * Adds each language model's engine state to {@code GET /health} ({@code llms: {name: {state, restarts}}}),
     * and says {@code degraded} when one is not up: the node answers, but not for that model.
     */
    static void addHealth(ObjectNode body, LanguageModels models) {
        if (models.local().isEmpty()) return;
        ObjectNode llms = body.putObject("llms");
        boolean allUp = true;
        for (var e : models.local().entrySet()) {
            LlmEngine.State st = e.getValue().state();
            allUp &= st == LlmEngine.State.UP;
            llms.putObject(e.getKey()).put("state", st.wireName()).put("restarts", e.getValue().restarts());
        }
        if (!allUp) body.put("status", "degraded");
    }

    /**
     * A 4xx/5xx in both OpenAI and RFC 9457 shape; {@code param} is the offending field, or null. {@code source}
     * says whose fault it is (problem members {@code source} and {@code retryable}), so a gateway fails over only
     * when another node can succeed.
     */
    static final class OpenAiException extends ProblemException {
        OpenAiException(ProblemKind kind, String type, String message, String param, String code, FailureSource source) {
            super(kind.problem(message, param == null ? List.of() : List.of(new FieldError(pointer(param), message)))
                    .withSource(source).withOpenAiError(new Problem.OpenAiError(message, type, param, code)));
        }

        OpenAiException(ProblemKind kind, String type, String message, String param, String code) {
            this(kind, type, message, param, code, kind == ProblemKind.UPSTREAM_FAILED || kind == ProblemKind.UPSTREAM_TIMEOUT
                    ? FailureSource.UPSTREAM : FailureSource.ofStatus(kind.status));
        }

        static OpenAiException invalid(String param, String message) {
            return new OpenAiException(ProblemKind.INVALID_REQUEST, "invalid_request_error", message, param, null);
        }
    }

    private static void sendError(Context ctx, OpenAiException e) {
        if (e.problem().source() == FailureSource.ENGINE) ctx.header("Retry-After", "1"); // a worker restarts within seconds
        NodeApi.send(ctx, e.problem());
    }

    /** The problem as one server-sent event of a stream already under way. */
    static ObjectNode errorBody(String path, OpenAiException e) {
        return e.problem().withInstance(path).toJson(true);
    }

    /** One parsed request: what to run and the settings it ran with. */
    private record Request(String path, JsonNode body, String model, LlmEngine engine, List<ChatMessage> messages,
            String prompt, Sampling sampling, List<String> stop, Constraint constraint, OpenAiTools.Tools tools,
            boolean stream, boolean chat, int n) {
        ObjectNode applied() {
            ObjectNode a = JSON.createObjectNode();
            a.put("model_digest", engine.modelDigest().toHex());
            a.put("engine", engine.id());
            a.put("temperature", sampling.temperature());
            a.put("top_p", sampling.topP());
            a.put("top_k", 0);
            a.put("min_p", 0);
            a.put("repeat_penalty", 1);
            a.put("seed", sampling.seed());
            a.put("max_tokens", sampling.maxTokens());
            ArrayNode s = a.putArray("stop");
            stop.forEach(s::add);
            a.put("grammar", constraint == null ? null : constraint.grammar());
            a.put("json_schema", constraint == null ? null : constraint.jsonSchema());
            a.put("tools", tools.mode().name().toLowerCase(java.util.Locale.ROOT));
            a.put("parallel_tool_calls", tools.parallel());
            a.put("n", n);
            return a;
        }
    }

    private static void serve(Context ctx, NodeService service, LanguageModels models, boolean chat) throws IOException {
        ObjectNode body = admit(ctx, service);
        String model = model(body);
        OpenAiUpstream upstream = models.upstream().orElse(null);
        if (upstream != null && upstream.serves(model) && !models.local().containsKey(model)) {
            upstream.serve(ctx, service, body, model, chat, requestId(ctx, service), prevReceipt(ctx));
            return;
        }
        Request req = parse(ctx.path(), body, model, engine(models, model), service.config().openAi().schemaLimits(), chat);
        Keccak256 requestId = requestId(ctx, service);
        Keccak256 prev = prevReceipt(ctx);
        ObjectNode applied = req.applied();
        Keccak256 requestDigest = ChatDigests.request(req.path, req.body, applied);
        String id = (chat ? "chatcmpl-" : "cmpl-") + requestId.toHex().substring(2, 26);
        long created = System.currentTimeMillis() / 1000;
        String engineId = req.engine.id() + "," + req.sampling.describe();
        if (req.stream) {
            stream(ctx, service, req, requestId, prev, requestDigest, applied, id, created, engineId);
            return;
        }
        List<Completion> cs = new ArrayList<>();
        for (int i = 0; i < req.n; i++) cs.add(run(service, req, i, null));
        ObjectNode response = response(req, cs, id, created, engineId, requestDigest);
        SignedReceipt receipt = sign(service, req, requestId, prev, requestDigest, response, engineId, cs);
        sendSigned(ctx, response, receipt, requestDigest, applied);
    }

    /**
     * The start of every OpenAI route (here and {@code /v1/embeddings}): a JSON content type, the node's API key
     * when it has one, and the body under {@link StrictJson}.
     */
    public static ObjectNode admit(Context ctx, NodeService service) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).matches("application/json\\s*(;.*)?")) {
            throw new OpenAiException(ProblemKind.UNSUPPORTED_MEDIA_TYPE, "invalid_request_error",
                    "Content-Type must be application/json, got " + (type == null ? "none" : type), null, "unsupported_media_type");
        }
        checkKey(ctx, service);
        return readBody(ctx.bodyAsBytes());
    }

    /** A 400 in both OpenAI and RFC 9457 shape naming {@code param} (OpenAI's name, e.g. {@code input[2]}). */
    public static ProblemException invalid(String param, String message) {
        return OpenAiException.invalid(param, message);
    }

    /** Any other refusal in both shapes; {@code source} says whether another node could succeed. */
    public static ProblemException error(ProblemKind kind, String type, String message, String param, String code,
            FailureSource source) {
        return new OpenAiException(kind, type, message, param, code, source);
    }

    /** Sends a signed non-streamed answer: {@code verity} in the body and the {@code Verity-*} headers. */
    public static void sendSigned(Context ctx, ObjectNode response, SignedReceipt receipt, Keccak256 requestDigest,
            ObjectNode applied) throws IOException {
        response.set("verity", verity(receipt, requestDigest, receipt.receipt().outputsDigest(), applied));
        ctx.header("Verity-Receipt-Id", receipt.id().toHex());
        ctx.header("Verity-Node", receipt.receipt().node().toString());
        ctx.header("Verity-Request-Digest", requestDigest.toHex());
        ctx.header("Verity-Response-Digest", receipt.receipt().outputsDigest().toHex());
        ctx.header("Verity-Receipt", java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                JSON.writeValueAsBytes(ReceiptJson.write(receipt))));
        ctx.status(200).contentType("application/json").result(JSON.writeValueAsBytes(response));
    }

    /** Choice {@code index} runs with seed {@code (seed + index) mod 2^31}, so each choice can be re-run alone. */
    private static Completion run(NodeService service, Request req, int index, Consumer<String> onToken) {
        Sampling s = index == 0 ? req.sampling : new Sampling(req.sampling.temperature(), req.sampling.topP(),
                (req.sampling.seed() + index) % (1L << 31), req.sampling.maxTokens());
        // Test-only lie (Faults#perturb): sample at temperature 1 with a fresh seed but sign the request's settings.
        if (service.faults().liesThisTime()) s = new Sampling(1, 1, SEEDS.nextInt(Integer.MAX_VALUE), req.sampling.maxTokens());
        service.faults().delay(); // test-only (Faults#addedLatency): a stream then shows no token for that long
        try {
            return req.chat ? req.engine.chat(req.messages, s, req.stop, req.constraint, onToken)
                    : req.engine.complete(req.prompt, s, req.stop, req.constraint, onToken);
        } catch (LlmException e) {
            throw engineFailure(req.model, e);
        }
    }

    /** Whose fault an engine failure is decides the status: the request's is a 400 no other node should try. */
    static OpenAiException engineFailure(String model, LlmException e) {
        return switch (e.fault()) {
            case REQUEST -> {
                LOG.info("llama.cpp refused a request for model {}: {}", model, e.getMessage());
                yield new OpenAiException(ProblemKind.INVALID_REQUEST, "invalid_request_error", e.getMessage(),
                        e.getMessage().contains("context") ? "messages" : null,
                        e.getMessage().contains("context") ? "context_length_exceeded" : "request_refused", FailureSource.REQUEST);
            }
            case POISON -> {
                LOG.warn("model {}: {}", model, e.getMessage());
                yield new OpenAiException(ProblemKind.INVALID_REQUEST, "invalid_request_error", e.getMessage()
                        + "; nothing was charged", null, "request_crashes_engine", FailureSource.REQUEST);
            }
            case ENGINE -> {
                LOG.error("llama.cpp failed on model {}: {}", model, e.getMessage());
                yield new OpenAiException(ProblemKind.UNAVAILABLE, "server_error", "the model's engine failed or is "
                        + "restarting; nothing was charged: " + e.getMessage(), null, "engine_failed", FailureSource.ENGINE);
            }
        };
    }

    private static ObjectNode response(Request req, List<Completion> cs, String id, long created, String engineId,
            Keccak256 requestDigest) {
        ObjectNode r = JSON.createObjectNode();
        r.put("id", id);
        r.put("object", req.chat ? "chat.completion" : "text_completion");
        r.put("created", created);
        r.put("model", req.model);
        r.put("system_fingerprint", engineId);
        ArrayNode choices = r.putArray("choices");
        for (int i = 0; i < cs.size(); i++) {
            ObjectNode choice = choices.addObject();
            choice.put("index", i);
            if (req.chat) {
                choice.set("message", OpenAiTools.message(req.tools, cs.get(i).text(), requestDigest, i));
            } else {
                choice.put("text", cs.get(i).text());
            }
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason(req, cs.get(i), requestDigest, i));
        }
        r.set("usage", usage(cs));
        return r;
    }

    /** The prompt is read once (as OpenAI counts n > 1); completion tokens add up over the choices. */
    private static ObjectNode usage(List<Completion> cs) {
        long completion = cs.stream().mapToLong(Completion::completionTokens).sum();
        long prompt = cs.get(0).promptTokens();
        return JSON.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    /** A local model served as asked: the node runs the model it names, so requested and served are one name. */
    private static SignedReceipt sign(NodeService service, Request req, Keccak256 requestId, Keccak256 prev,
            Keccak256 requestDigest, ObjectNode response, String engineId, List<Completion> cs) {
        JsonNode u = usage(cs);
        ReceiptV2 served = ReceiptV2.served(req.model, req.model, "", u.get("prompt_tokens").asLong(),
                u.get("completion_tokens").asLong()).withPrevReceipt(prev);
        return signReceipt(service, requestId, req.engine.modelDigest(), engineId, requestDigest, ChatDigests.response(response),
                served);
    }

    /**
     * Signs and logs a language-model or embedding receipt in format 2 (the node adds the payment), priced by
     * {@link OpenAiSettings#price} for {@code served}'s token counts.
     */
    public static SignedReceipt signReceipt(NodeService service, Keccak256 requestId, Keccak256 modelDigest, String engineId,
            Keccak256 requestDigest, Keccak256 responseDigest, ReceiptV2 served) {
        BigInteger price = service.config().openAi().price(service.config().price(), served.promptTokens(),
                served.completionTokens());
        try {
            return service.signAndLog(requestId, modelDigest, engineId, requestDigest, responseDigest, price, served);
        } catch (Refusal e) { // NOT_DURABLE: the receipt could not be logged, so the answer is withheld
            throw new OpenAiException(ProblemKind.UNAVAILABLE, "server_error", e.getMessage(), null, "unavailable");
        }
    }

    static ObjectNode verity(SignedReceipt receipt, Keccak256 requestDigest, Keccak256 responseDigest,
            ObjectNode applied) {
        ObjectNode v = JSON.createObjectNode();
        v.set("receipt", ReceiptJson.write(receipt));
        v.put("requestDigest", requestDigest.toHex());
        v.put("responseDigest", responseDigest.toHex());
        v.set("applied", applied);
        return v;
    }

    /** Starts a 200 SSE answer whose request digest is known before the first token. */
    static ServletOutputStream openEventStream(Context ctx, Keccak256 requestDigest) throws IOException {
        var res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream");
        res.setCharacterEncoding("utf-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("Verity-Request-Digest", requestDigest.toHex());
        return res.getOutputStream();
    }

    /**
     * Streams the choices one after another (llama.cpp has one slot), each chunk naming its choice index; a
     * choice's tool calls, if any, come as one {@code delta.tool_calls} chunk once that choice is done.
     */
    private static void stream(Context ctx, NodeService service, Request req, Keccak256 requestId, Keccak256 prev,
            Keccak256 requestDigest, ObjectNode applied, String id, long created, String engineId) throws IOException {
        // Opened on the first token: until then a failure (a refused prompt, a poisoned request, a restarting
        // engine) is still an HTTP status a gateway can read, not an event after a 200.
        LazyStream out = new LazyStream(ctx, requestDigest);
        String object = req.chat ? "chat.completion.chunk" : "text_completion";
        List<Completion> cs = new ArrayList<>();
        for (int i = 0; i < req.n; i++) {
            int index = i;
            if (req.chat) {
                ObjectNode first = chunk(object, id, created, req.model, engineId);
                ObjectNode choice = first.putArray("choices").addObject().put("index", index);
                choice.putObject("delta").put("role", "assistant").put("content", "");
                choice.putNull("logprobs").putNull("finish_reason");
                if (index == 0) out.pending = first;
                else if (!send(out, first, ctx, req)) return;
            }
            Consumer<String> send = token -> {
                ObjectNode ch = chunk(object, id, created, req.model, engineId);
                ObjectNode choice = ch.putArray("choices").addObject().put("index", index);
                if (req.chat) choice.putObject("delta").put("content", token);
                else choice.put("text", token);
                choice.putNull("logprobs").putNull("finish_reason");
                try {
                    event(out, ch);
                } catch (IOException e) {
                    throw new UncheckedIOException(e); // the client left; the engine finishes this request anyway
                }
            };
            Holdback held = new Holdback(req.tools, send);
            Completion c;
            try {
                c = run(service, req, index, held::accept);
            } catch (OpenAiException e) {
                if (!out.opened()) throw e;
                event(out, errorBody(ctx.path(), e));
                done(out);
                return;
            } catch (UncheckedIOException e) {
                // The client hung up mid-stream: it got no whole answer, so no receipt is signed and nothing is owed.
                LOG.info("client left a {} stream of model {} after part of the answer: {}", ctx.path(), req.model,
                        e.getCause().getMessage());
                return;
            }
            cs.add(c);
            JsonNode message = req.chat ? OpenAiTools.message(req.tools, c.text(), requestDigest, index) : null;
            ObjectNode last = chunk(object, id, created, req.model, engineId);
            if (message != null && OpenAiTools.isToolCall(message)) {
                ObjectNode ch = chunk(object, id, created, req.model, engineId);
                ObjectNode choice = ch.putArray("choices").addObject().put("index", index);
                ArrayNode calls = choice.putObject("delta").putArray("tool_calls");
                for (int k = 0; k < message.get("tool_calls").size(); k++) {
                    ((ObjectNode) calls.addObject().put("index", k)).setAll((ObjectNode) message.get("tool_calls").get(k));
                }
                choice.putNull("logprobs").putNull("finish_reason");
                if (!send(out, ch, ctx, req)) return;
            } else {
                try {
                    held.flush();
                } catch (UncheckedIOException e) {
                    LOG.info("client left a {} stream of model {} before its end: {}", ctx.path(), req.model,
                            e.getCause().getMessage());
                    return;
                }
            }
            ObjectNode choice = last.putArray("choices").addObject().put("index", index);
            if (req.chat) choice.putObject("delta");
            else choice.put("text", "");
            choice.putNull("logprobs").put("finish_reason", finishReason(req, c, requestDigest, index));
            if (!send(out, last, ctx, req)) return;
        }
        // The receipt signs the answer the chunks add up to: the same response a non-streamed request gets.
        ObjectNode whole = response(req, cs, id, created, engineId, requestDigest);
        Keccak256 responseDigest = ChatDigests.response(whole);
        SignedReceipt receipt;
        try {
            receipt = sign(service, req, requestId, prev, requestDigest, whole, engineId, cs);
        } catch (OpenAiException e) {
            event(out, errorBody(ctx.path(), e));
            done(out);
            return;
        }
        ObjectNode fin = chunk(object, id, created, req.model, engineId);
        fin.putArray("choices");
        fin.set("usage", usage(cs));
        fin.set("verity", verity(receipt, requestDigest, responseDigest, applied));
        event(out, fin);
        done(out);
    }

    /** An event stream whose 200 head is sent with its first event; {@link #pending} goes out before that event. */
    static final class LazyStream {
        private final Context ctx;
        private final Keccak256 requestDigest;
        private ServletOutputStream out;
        ObjectNode pending;

        LazyStream(Context ctx, Keccak256 requestDigest) {
            this.ctx = ctx;
            this.requestDigest = requestDigest;
        }

        boolean opened() {
            return out != null;
        }

        ServletOutputStream get() throws IOException {
            if (out == null) {
                out = openEventStream(ctx, requestDigest);
                if (pending != null) {
                    ObjectNode p = pending;
                    pending = null;
                    event(out, p);
                }
            }
            return out;
        }
    }

    static void event(LazyStream out, JsonNode data) throws IOException {
        event(out.get(), data);
    }

    static void done(LazyStream out) throws IOException {
        done(out.get());
    }

    /** Sends one event; false when the client has left (then nothing is signed). */
    private static boolean send(LazyStream out, JsonNode chunk, Context ctx, Request req) {
        try {
            event(out, chunk);
            return true;
        } catch (IOException e) {
            LOG.info("client left a {} stream of model {} before its end: {}", ctx.path(), req.model, e.getMessage());
            return false;
        }
    }

    private static ObjectNode chunk(String object, String id, long created, String model, String engineId) {
        ObjectNode ch = JSON.createObjectNode();
        ch.put("id", id).put("object", object).put("created", created).put("model", model)
                .put("system_fingerprint", engineId);
        return ch;
    }

    static void event(ServletOutputStream out, JsonNode data) throws IOException {
        out.write(("data: " + JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    static void done(ServletOutputStream out) throws IOException {
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The gateway's {@code Verity-Request-Id}, so every node of one request signs the same id; else a fresh one. */
    public static Keccak256 requestId(Context ctx, NodeService service) {
        String h = ctx.header("Verity-Request-Id");
        if (h == null || h.isBlank()) return service.newRequestId();
        try {
            return Keccak256.parse(h.trim());
        } catch (IllegalArgumentException e) {
            throw new OpenAiException(ProblemKind.INVALID_REQUEST, "invalid_request_error",
                    "header Verity-Request-Id must be 0x followed by 64 hex digits (bytes32): " + e.getMessage(),
                    null, "invalid_request_id");
        }
    }

    /**
     * The receipt this answer follows, from the {@value ReceiptV2#PREV_RECEIPT_HEADER} header a gateway sends when it asks
     * this node after another one for the same request; zero when none.
     */
    public static Keccak256 prevReceipt(Context ctx) {
        String h = ctx.header(ReceiptV2.PREV_RECEIPT_HEADER);
        if (h == null || h.isBlank()) return Keccak256.ZERO;
        try {
            return Keccak256.parse(h.strip());
        } catch (IllegalArgumentException e) {
            throw new OpenAiException(ProblemKind.INVALID_REQUEST, "invalid_request_error", "header " + ReceiptV2.PREV_RECEIPT_HEADER
                    + " must be 0x followed by 64 hex digits (a receipt id): " + e.getMessage(), null, "invalid_prev_receipt");
        }
    }

    // ---- parsing ----

    /** Clients must send {@code Authorization: Bearer <key>} when the node is configured with one. */
    private static void checkKey(Context ctx, NodeService service) {
        var key = service.config().openAi().requiredKey();
        if (key.isEmpty()) return;
        String auth = ctx.header("Authorization");
        String presented = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).strip() : null;
        if (!key.get().matches(presented)) {
            throw new OpenAiException(ProblemKind.UNAUTHORIZED, "invalid_request_error", presented == null
                    ? "this node needs an API key: send Authorization: Bearer <key>" : "the API key is not this node's",
                    null, "invalid_api_key");
        }
    }

    /** The body under {@link StrictJson}: one document, valid UTF-8, no duplicate members, no lone surrogates. */
    static ObjectNode readBody(byte[] bytes) {
        JsonNode body;
        try {
            body = StrictJson.standard().read(bytes);
        } catch (InvalidFieldException e) {
            String pointer = e.errors().get(0).pointer();
            throw new OpenAiException(ProblemKind.MALFORMED_JSON, "invalid_request_error", "request body is not valid JSON: "
                    + e.errors().get(0).detail(), pointer.isEmpty() ? null : param(pointer), "malformed_json");
        }
        if (!body.isObject()) throw OpenAiException.invalid(null, "request body must be a JSON object");
        return (ObjectNode) body;
    }

    /** An OpenAI parameter name as a JSON pointer: {@code messages[0].content} is {@code /messages/0/content}. */
    static String pointer(String param) {
        return "/" + param.replace(".", "/").replace("[", "/").replace("]", "");
    }

    /** A JSON pointer as OpenAI names a parameter: {@code /messages/0/content} is {@code messages[0].content}. */
    static String param(String pointer) {
        StringBuilder sb = new StringBuilder();
        for (String seg : pointer.substring(1).split("/", -1)) {
            String s = seg.replace("~1", "/").replace("~0", "~");
            if (s.matches("\\d+")) sb.append('[').append(s).append(']');
            else sb.append(sb.isEmpty() ? "" : ".").append(s);
        }
        return sb.toString();
    }

    /** Checks a schema llama.cpp will turn into a grammar, mapping a refusal to a 400 naming the field. */
    static void checkSchema(SchemaGuard.Limits limits, JsonNode schema, String at, JsonNode refRoot) {
        try {
            SchemaGuard.check(schema, at, refRoot, limits);
        } catch (InvalidFieldException e) {
            throw new OpenAiException(ProblemKind.INVALID_REQUEST, "invalid_request_error", e.errors().get(0).detail(),
                    e.errors().get(0).pointer(), "unsupported_schema");
        }
    }

    private static String model(JsonNode body) {
        JsonNode m = body.get("model");
        if (m == null || !m.isTextual() || m.asText().isBlank()) {
            throw OpenAiException.invalid("model", "model is required: the name of a model this node serves");
        }
        return m.asText();
    }

    private static LlmEngine engine(LanguageModels models, String model) {
        LlmEngine engine = models.local().get(model);
        if (engine == null) {
            java.util.Set<String> served = new java.util.TreeSet<>(models.local().keySet());
            models.upstream().ifPresent(u -> served.addAll(u.models().keySet()));
            throw new OpenAiException(ProblemKind.UNKNOWN_MODEL, "invalid_request_error", "The model '" + model
                    + "' does not exist on this node; GET /v1/models lists the models it serves (" + served
                    + ")", "model", "model_not_found");
        }
        return engine;
    }

    /**
     * Fuzzing entry ({@link OpenAiRequests#check}): parses one request body as the route does, without an engine.
     *
     * @throws OpenAiException for every refusal
     */
    static void parseOnly(byte[] bytes, boolean chat) {
        ObjectNode body = readBody(bytes);
        parse(chat ? CHAT : COMPLETIONS, body, model(body), null, SchemaGuard.Limits.DEFAULT, chat);
    }

    /** @param engine null only for {@link #parseOnly}: the request is checked, not run */
    private static Request parse(String path, ObjectNode body, String model, LlmEngine engine, SchemaGuard.Limits limits,
            boolean chat) {
        unsupported(body, "functions", "functions (deprecated) are not supported; use tools");
        unsupported(body, "function_call", "function_call (deprecated) is not supported; use tool_choice");
        OpenAiTools.Tools tools = chat ? OpenAiTools.parse(body, (schema, at) -> checkSchema(limits, schema, at, null))
                : OpenAiTools.Tools.NONE;
        if (!chat && body.hasNonNull("tools")) throw OpenAiException.invalid("tools", "tools need /v1/chat/completions");
        // de.kherud:llama 4.2.0 has setNProbs, but its native side aborts the process (a GGML_ASSERT in its JSON
        // reader) when asked for probabilities, so token log-probabilities cannot be had from this backend.
        JsonNode lp = body.get("logprobs");
        JsonNode top = body.get("top_logprobs");
        // chat: logprobs is a boolean, top_logprobs a count; completions: logprobs is a count, even 0 asks for some
        String asked = lp != null && !lp.isNull() && !(lp.isBoolean() && !lp.asBoolean()) ? "logprobs"
                : top != null && !top.isNull() && !(top.isIntegralNumber() && top.asInt() == 0) ? "top_logprobs" : null;
        if (asked != null) {
            throw OpenAiException.invalid(asked, asked + " is not supported by the llama.cpp backend: its binding (de.kherud:llama "
                    + LlmEngine.BINDING_VERSION + ") aborts when asked for token probabilities");
        }
        JsonNode nv = body.get("n");
        int n = 1;
        if (nv != null && !nv.isNull()) {
            if (!nv.isIntegralNumber() || !nv.canConvertToInt() || nv.asInt() < 1 || nv.asInt() > MAX_N) {
                throw OpenAiException.invalid("n", "n must be an integer between 1 and " + MAX_N + ", got " + nv);
            }
            n = nv.asInt();
        }
        List<ChatMessage> messages = null;
        String prompt = null;
        if (chat) {
            messages = messages(body.get("messages"));
        } else {
            JsonNode p = body.get("prompt");
            if (p == null || !p.isTextual()) throw OpenAiException.invalid("prompt", "prompt is required: a string");
            prompt = p.asText();
        }
        double temperature = number(body, "temperature", 1.0);
        double topP = number(body, "top_p", 1.0);
        int maxTokens = DEFAULT_MAX_TOKENS;
        for (String f : new String[] {"max_tokens", "max_completion_tokens"}) {
            JsonNode v = body.get(f);
            if (v == null || v.isNull()) continue;
            if (!v.isIntegralNumber()) throw OpenAiException.invalid(f, f + " must be an integer, got " + v);
            maxTokens = v.asInt();
            if (maxTokens < 1 || maxTokens > Sampling.MAX_TOKENS_LIMIT || !v.canConvertToInt()) {
                throw OpenAiException.invalid(f, f + " must be between 1 and " + Sampling.MAX_TOKENS_LIMIT + ", got " + v);
            }
        }
        long seed;
        JsonNode s = body.get("seed");
        if (s == null || s.isNull()) {
            // Greedy ignores the seed: record 0 so equal greedy requests have equal digests. Otherwise draw one
            // and record it, so a re-run can reproduce the answer.
            seed = number(body, "temperature", 1.0) == 0 ? 0 : SEEDS.nextInt(Integer.MAX_VALUE);
        } else if (!s.isIntegralNumber() || !s.canConvertToLong() || s.asLong() < 0 || s.asLong() > Integer.MAX_VALUE) {
            throw OpenAiException.invalid("seed", "seed must be an integer between 0 and " + Integer.MAX_VALUE + ", got " + s);
        } else {
            seed = s.asLong();
        }
        Sampling sampling;
        try {
            sampling = new Sampling(temperature, topP, seed, maxTokens);
        } catch (IllegalArgumentException e) {
            String param = e.getMessage().startsWith("temperature") ? "temperature" : "top_p";
            throw OpenAiException.invalid(param, e.getMessage());
        }
        List<String> stop = stop(body.get("stop"));
        Constraint constraint = constraint(limits, body.get("response_format"));
        if (tools.active()) {
            if (tools.mode() == OpenAiTools.Mode.FORCED) {
                if (constraint != null) {
                    throw OpenAiException.invalid("response_format", "a forced tool_choice and a JSON response_format exclude "
                            + "each other: the answer is the tool call");
                }
                String forced = OpenAiTools.forcedSchema(tools);
                try {
                    checkSchema(limits, JSON.readTree(forced), "tools", JSON.readTree(forced));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
                constraint = Constraint.jsonSchema(forced);
            }
            List<ChatMessage> withNote = new ArrayList<>();
            withNote.add(new ChatMessage("system", OpenAiTools.systemNote(tools)));
            withNote.addAll(messages);
            messages = withNote;
        }
        JsonNode st = body.get("stream");
        if (st != null && !st.isNull() && !st.isBoolean()) throw OpenAiException.invalid("stream", "stream must be a boolean");
        return new Request(path, body, model, engine, messages, prompt, sampling, stop, constraint, tools,
                st != null && st.asBoolean(), chat, n);
    }

    private static void unsupported(JsonNode body, String field, String message) {
        JsonNode v = body.get(field);
        if (v != null && !v.isNull() && !(v.isArray() && v.isEmpty())) throw OpenAiException.invalid(field, message);
    }

    private static double number(JsonNode body, String field, double dflt) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber()) throw OpenAiException.invalid(field, field + " must be a number, got " + v);
        return v.asDouble();
    }

    private static List<ChatMessage> messages(JsonNode arr) {
        if (arr == null || !arr.isArray() || arr.isEmpty()) {
            throw OpenAiException.invalid("messages", "messages is required: a non-empty array of {role, content}");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            JsonNode msg = arr.get(i);
            String at = "messages[" + i + "]";
            if (!msg.isObject()) throw OpenAiException.invalid(at, at + " must be an object {role, content}");
            String role = msg.path("role").asText(null);
            if (role == null || !ChatMessage.ROLES.contains(role)) {
                throw OpenAiException.invalid(at + ".role", at + ".role must be one of system, developer, user, assistant, tool"
                        + (role == null ? "" : ", got '" + role + "'"));
            }
            JsonNode content = msg.get("content");
            String text;
            if ("assistant".equals(role) && msg.path("tool_calls").isArray() && !msg.get("tool_calls").isEmpty()) {
                // An earlier call, shown to the model the way it is asked to make one.
                StringBuilder sb = new StringBuilder(content != null && content.isTextual() ? content.asText() : "");
                for (JsonNode tc : msg.get("tool_calls")) {
                    String args = tc.path("function").path("arguments").asText("{}");
                    sb.append(OpenAiTools.OPEN).append("{\"name\": ").append(JSON.valueToTree(tc.path("function").path("name")
                            .asText()).toString()).append(", \"arguments\": ").append(args).append("}").append(OpenAiTools.CLOSE);
                }
                text = sb.toString();
            } else if (content != null && content.isTextual()) {
                text = content.asText();
            } else if (content != null && content.isArray()) {
                StringBuilder sb = new StringBuilder();
                for (int j = 0; j < content.size(); j++) {
                    JsonNode part = content.get(j);
                    if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                        throw OpenAiException.invalid(at + ".content[" + j + "]", at + ".content[" + j + "] must be "
                                + "{type: \"text\", text}; this model takes text only");
                    }
                    sb.append(part.get("text").asText());
                }
                text = sb.toString();
            } else {
                throw OpenAiException.invalid(at + ".content", at + ".content must be a string or an array of text parts");
            }
            // developer is OpenAI's newer name for system; chat templates know only system
            out.add(new ChatMessage("developer".equals(role) ? "system" : role, text));
        }
        return out;
    }

    private static List<String> stop(JsonNode v) {
        if (v == null || v.isNull()) return List.of();
        List<String> out = new ArrayList<>();
        if (v.isTextual()) {
            out.add(v.asText());
        } else if (v.isArray() && v.size() <= 4) {
            for (JsonNode s : v) {
                if (!s.isTextual()) throw OpenAiException.invalid("stop", "stop must be a string or up to 4 strings");
                out.add(s.asText());
            }
        } else {
            throw OpenAiException.invalid("stop", "stop must be a string or up to 4 strings");
        }
        if (out.stream().anyMatch(String::isEmpty)) throw OpenAiException.invalid("stop", "stop strings must not be empty");
        return out;
    }

    /**
     * response_format: text; json_object (any JSON object, by a GBNF grammar); json_schema (its
     * {@code json_schema.schema}, which llama.cpp turns into a grammar).
     */
    private static Constraint constraint(SchemaGuard.Limits limits, JsonNode rf) {
        if (rf == null || rf.isNull()) return null;
        String type = rf.path("type").asText("");
        return switch (type) {
            case "text" -> null;
            case "json_object" -> Constraint.grammar(JSON_OBJECT_GRAMMAR);
            case "json_schema" -> {
                JsonNode schema = rf.path("json_schema").get("schema");
                if (schema == null || !schema.isObject()) {
                    throw OpenAiException.invalid("response_format.json_schema.schema",
                            "response_format.json_schema.schema must be a JSON Schema object");
                }
                checkSchema(limits, schema, "response_format.json_schema.schema", schema);
                yield Constraint.jsonSchema(schema.toString());
            }
            default -> throw OpenAiException.invalid("response_format.type",
                    "response_format.type must be text, json_object or json_schema, got '" + type + "'");
        };
    }

    private static String finishReason(Request req, Completion c, Keccak256 requestDigest, int index) {
        if (req.chat && req.tools.active() && OpenAiTools.isToolCall(OpenAiTools.message(req.tools, c.text(), requestDigest, index))) {
            return "tool_calls";
        }
        return c.finishReason();
    }

    /**
     * Streams tokens as they come, except what may turn out to be a tool call: with forced tools everything
     * is held (the answer is the call), with auto tools the start of the answer is held while it could still
     * be {@code <tool_call>}, and all of it once it is. {@link #flush} sends what was held as content.
     */
    private static final class Holdback {
        private final OpenAiTools.Tools tools;
        private final Consumer<String> send;
        private final StringBuilder held = new StringBuilder();
        private boolean passing;

        Holdback(OpenAiTools.Tools tools, Consumer<String> send) {
            this.tools = tools;
            this.send = send;
            this.passing = !tools.active();
        }

        void accept(String token) {
            if (passing) {
                send.accept(token);
                return;
            }
            held.append(token);
            if (tools.mode() == OpenAiTools.Mode.FORCED) return;
            String h = held.toString().stripLeading();
            if (h.isEmpty() || OpenAiTools.OPEN.startsWith(h) || h.startsWith(OpenAiTools.OPEN)) return;
            passing = true; // not a call: send what was held and go on streaming
            flush();
        }

        void flush() {
            if (held.isEmpty()) return;
            String h = held.toString();
            held.setLength(0);
            send.accept(h);
        }
    }

    /** llama.cpp's grammars/json.gbnf, with root an object: what OpenAI's json_object mode promises. */
    static final String JSON_OBJECT_GRAMMAR = """
            root   ::= object
            value  ::= object | array | string | number | ("true" | "false" | "null") ws
            object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
            array  ::= "[" ws ( value ("," ws value)* )? "]" ws
            string ::= "\\"" ( [^"\\\\\\x7F\\x00-\\x1F] | "\\\\" (["\\\\bfnrt] | "u" [0-9a-fA-F]{4}) )* "\\"" ws
            number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws
            ws     ::= | " " | "\\n" [ \\t]{0,20}
            """;
}
