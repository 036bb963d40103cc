package io.verity.node.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.verity.llm.ChatDigests;
import io.verity.node.OpenAiSettings;
import io.verity.node.openai.OpenAiApi.OpenAiException;
import io.verity.node.serve.NodeService;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.Jcs;
import io.verity.protocol.Unicode;
import io.verity.protocol.receipt.ReceiptV2;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.wire.ProblemKind;
import jakarta.servlet.ServletOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provider proxy mode: the node forwards requests for some models to an OpenAI-compatible upstream
 * ({@link OpenAiSettings.Upstream}), passes the answer through (streamed chunk by chunk as it arrives) and signs
 * a receipt over what the upstream returned. It signs only an answer it received in full: a non-streamed 200
 * with choices and usage, or a stream that reached the upstream's {@code [DONE]} with usage. Anything else is an
 * OpenAI-style error (in a stream, an error event) and no receipt, so nothing is charged.
 *
 * <p>The receipt's engine is {@link #ENGINE}; its model digest is {@link #modelDigest} (the upstream's URL and
 * model name, as the node cannot hash weights it never sees); the request digest's {@code applied} names the
 * upstream and its model, so the digest covers where the request went as well as every field sent.
 */
public final class OpenAiUpstream implements AutoCloseable {
    static final String ENGINE = "openai-proxy/1";
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiUpstream.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_RELAYED_MESSAGE = 300;

    private final OpenAiSettings.Upstream upstream;
    private final HttpClient http;
    private final ScheduledExecutorService watchdog;

    public OpenAiUpstream(OpenAiSettings.Upstream upstream) {
        this.upstream = upstream;
        this.http = HttpClient.newBuilder().connectTimeout(upstream.timeout()).build();
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "upstream-stream-watchdog");
            t.setDaemon(true);
            return t;
        });
    }

    /** The local model names this node forwards, to the upstream's names. */
    public Map<String, String> models() {
        return upstream.models();
    }

    boolean serves(String model) {
        return upstream.models().containsKey(model);
    }

    /** keccak256(JCS({"kind": "verity/openai-upstream-model/v1", "url": base URL, "model": upstream model})). */
    public Keccak256 modelDigest(String local) {
        ObjectNode o = JSON.createObjectNode();
        o.put("kind", "verity/openai-upstream-model/v1");
        o.put("url", upstream.baseUrl().toString());
        o.put("model", upstream.models().get(local));
        return Keccak256.hash(Jcs.canonicalize(o));
    }

    ObjectNode applied(String local) {
        ObjectNode a = JSON.createObjectNode();
        a.put("model_digest", modelDigest(local).toHex());
        a.put("engine", ENGINE);
        a.put("upstream", upstream.baseUrl().toString());
        a.put("upstream_model", upstream.models().get(local));
        return a;
    }

    /** Forwards one request; {@code body} is the client's, already checked to be an object naming a served model. */
    void serve(Context ctx, NodeService service, ObjectNode body, String model, boolean chat, Keccak256 requestId,
            Keccak256 prev) throws IOException {
        JsonNode st = body.get("stream");
        if (st != null && !st.isNull() && !st.isBoolean()) throw OpenAiException.invalid("stream", "stream must be a boolean");
        boolean stream = st != null && st.asBoolean();
        ObjectNode applied = applied(model);
        String path = ctx.path();
        Keccak256 requestDigest = ChatDigests.request(path, body, applied);
        String id = (chat ? "chatcmpl-" : "cmpl-") + requestId.toHex().substring(2, 26);
        long created = System.currentTimeMillis() / 1000;

        ObjectNode up = body.deepCopy();
        up.put("model", upstream.models().get(model));
        if (stream) up.withObject("/stream_options").put("include_usage", true); // the price needs the token counts
        HttpRequest.Builder req = HttpRequest.newBuilder(upstream.resolve(chat ? "/chat/completions" : "/completions"))
                .timeout(upstream.timeout()).header("Content-Type", "application/json")
                .header("Accept", stream ? "text/event-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(up)));
        upstream.key().ifPresent(k -> req.header("Authorization", "Bearer " + k.reveal()));
        HttpResponse<InputStream> resp = send(req.build(), model);
        if (resp.statusCode() != 200) {
            byte[] err;
            try (InputStream in = resp.body()) {
                err = in.readNBytes(64 * 1024);
            }
            throw statusError(resp.statusCode(), err);
        }
        if (stream) {
            stream(ctx, service, resp, model, chat, requestId, prev, requestDigest, applied, id, created);
            return;
        }
        JsonNode answer;
        try (InputStream in = resp.body()) {
            answer = JSON.readTree(in);
        } catch (IOException e) {
            throw failed("upstream_bad_answer", "the upstream's answer was cut off or is not JSON (" + e.getMessage() + ")");
        }
        if (answer == null || !answer.path("choices").isArray() || answer.get("choices").isEmpty()) {
            throw failed("upstream_bad_answer", "the upstream's answer has no choices");
        }
        ObjectNode usage = usage(answer.get("usage"));
        ObjectNode response = JSON.createObjectNode();
        response.put("id", id);
        response.put("object", chat ? "chat.completion" : "text_completion");
        response.put("created", created);
        response.put("model", model);
        response.put("system_fingerprint", ENGINE);
        response.set("choices", answer.get("choices").deepCopy());
        response.set("usage", usage);
        SignedReceipt receipt = sign(service, requestId, prev, model, reportedModel(answer), requestDigest, response, usage);
        OpenAiApi.sendSigned(ctx, response, receipt, requestDigest, applied);
    }

    private HttpResponse<InputStream> send(HttpRequest req, String model) throws IOException {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw new OpenAiException(ProblemKind.UPSTREAM_TIMEOUT, "server_error", "the upstream did not answer within "
                    + upstream.timeout().toMillis() + " ms; nothing was charged", null, "upstream_timeout");
        } catch (IOException e) {
            LOG.warn("upstream {} for model {} unreachable: {}", upstream.baseUrl(), model, e.toString());
            throw failed("upstream_unreachable", "the upstream could not be reached (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed("upstream_unreachable", "interrupted while waiting for the upstream");
        }
    }

    /**
     * The client's error for an upstream status: its request fault (400/422) as a 400 with the upstream's
     * message and param; a refused key as a 502 that says so without the upstream's text (which may quote the
     * key); 429 as 429; anything else as a 502 naming the status.
     */
    OpenAiException statusError(int status, byte[] body) {
        JsonNode err = null;
        try {
            err = JSON.readTree(body).path("error");
        } catch (IOException | RuntimeException e) {
            // not JSON: the status alone says enough
        }
        String message = err != null && err.path("message").isTextual() ? relayable(err.get("message").asText()) : null;
        String param = err != null && err.path("param").isTextual() ? err.get("param").asText() : null;
        String said = message == null ? "" : ": " + message;
        return switch (status) {
            case 400, 422 -> new OpenAiException(ProblemKind.INVALID_REQUEST, "invalid_request_error",
                    "the upstream rejected the request (" + status + ")" + said, param, "upstream_rejected");
            case 401, 403 -> failed("upstream_unauthorized", "the upstream refused this node's API key (" + status
                    + "); the node's operator must fix its upstream key");
            case 429 -> new OpenAiException(ProblemKind.RATE_LIMITED, "rate_limit_error", "the upstream is rate-limiting "
                    + "this node (429)" + said, null, "upstream_rate_limited");
            default -> failed("upstream_error", "the upstream answered " + status + said);
        };
    }

    private static OpenAiException failed(String code, String message) {
        return new OpenAiException(ProblemKind.UPSTREAM_FAILED, "server_error", message + "; nothing was charged", null, code);
    }

    /** An upstream's text made safe to show: our key removed, length bounded. */
    private String relayable(String text) {
        String s = upstream.key().map(k -> k.scrub(text)).orElse(text);
        return s.length() > MAX_RELAYED_MESSAGE ? s.substring(0, MAX_RELAYED_MESSAGE) + "…" : s;
    }

    /** The token counts, which the receipt's price and the response digest need. */
    private static ObjectNode usage(JsonNode u) {
        if (u == null || !u.path("prompt_tokens").canConvertToLong() || !u.path("completion_tokens").canConvertToLong()
                || !u.path("prompt_tokens").isIntegralNumber() || !u.path("completion_tokens").isIntegralNumber()) {
            throw failed("upstream_bad_answer", "the upstream's answer has no usage (prompt_tokens, completion_tokens), "
                    + "which the node prices by");
        }
        ObjectNode usage = u.deepCopy();
        usage.remove("total_tokens");
        usage.put("total_tokens", u.get("prompt_tokens").asLong() + u.get("completion_tokens").asLong());
        return usage;
    }

    /**
     * Signs a v2 receipt naming the model the client asked for, the one the upstream says answered (its
     * {@code model}; "" when it named none) and the upstream as provider, so a verifier sees a substitution
     * even though the answer the client gets carries the local name.
     */
    private SignedReceipt sign(NodeService service, Keccak256 requestId, Keccak256 prev, String model, String reported,
            Keccak256 requestDigest, ObjectNode response, ObjectNode usage) {
        ReceiptV2 served = ReceiptV2.served(model, reported, upstream.baseUrl().toString(),
                usage.get("prompt_tokens").asLong(), usage.get("completion_tokens").asLong()).withPrevReceipt(prev);
        return OpenAiApi.signReceipt(service, requestId, modelDigest(model), ENGINE, requestDigest, ChatDigests.response(response),
                served);
    }

    /** The model id the upstream reported in an answer or chunk, "" when it named none (or not as a string). */
    private static String reportedModel(JsonNode answer) {
        JsonNode m = answer.get("model");
        return m != null && m.isTextual() && Unicode.isWellFormed(m.textValue()) ? m.textValue() : "";
    }

    private void stream(Context ctx, NodeService service, HttpResponse<InputStream> resp, String model, boolean chat,
            Keccak256 requestId, Keccak256 prev, Keccak256 requestDigest, ObjectNode applied, String id, long created)
            throws IOException {
        ServletOutputStream out = OpenAiApi.openEventStream(ctx, requestDigest);
        String object = chat ? "chat.completion.chunk" : "text_completion";
        List<JsonNode> relayed = new ArrayList<>();
        JsonNode usage = null;
        String reported = "";
        boolean done = false;
        InputStream body = resp.body();
        // A stalled upstream would hold the client forever: closing its stream makes the blocked read fail.
        java.util.concurrent.atomic.AtomicLong lastLine = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
        java.util.concurrent.atomic.AtomicBoolean stalled = new java.util.concurrent.atomic.AtomicBoolean();
        ScheduledFuture<?> guard = watchdog.scheduleWithFixedDelay(() -> {
            if (System.nanoTime() - lastLine.get() > upstream.timeout().toNanos()) {
                stalled.set(true);
                try {
                    body.close();
                } catch (IOException e) {
                    // closing is all we want
                }
            }
        }, 200, 200, TimeUnit.MILLISECONDS);
        String broken = null;
        IOException clientGone = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                lastLine.set(System.nanoTime());
                if (!line.startsWith("data:")) continue; // blank separators, comments, event names
                String data = line.substring(5).strip();
                if (data.equals("[DONE]")) {
                    done = true;
                    break;
                }
                JsonNode chunk;
                try {
                    chunk = JSON.readTree(data);
                } catch (IOException e) {
                    broken = "the upstream sent an event that is not JSON";
                    break;
                }
                if (chunk.has("error")) {
                    broken = "the upstream failed mid-stream: " + relayable(chunk.path("error").path("message").asText("(no message)"));
                    break;
                }
                if (chunk.hasNonNull("usage")) usage = chunk.get("usage");
                if (reported.isEmpty()) reported = reportedModel(chunk);
                if (!chunk.path("choices").isArray() || chunk.get("choices").isEmpty()) continue; // usage-only, or its own receipt
                ObjectNode ch = JSON.createObjectNode();
                ch.put("id", id).put("object", object).put("created", created).put("model", model).put("system_fingerprint", ENGINE);
                ch.set("choices", chunk.get("choices"));
                relayed.add(ch);
                try {
                    OpenAiApi.event(out, ch);
                } catch (IOException e) {
                    clientGone = e; // it got no whole answer: no receipt, nothing owed
                    break;
                }
            }
        } catch (IOException e) {
            broken = stalled.get() ? "the upstream sent nothing for " + upstream.timeout().toMillis() + " ms"
                    : "the upstream's stream broke off (" + e.getClass().getSimpleName() + ")";
        } finally {
            guard.cancel(false);
        }
        if (clientGone != null) {
            LOG.info("client left a {} stream of proxied model {}: {}", ctx.path(), model, clientGone.getMessage());
            return;
        }
        if (!done && broken == null) broken = "the upstream's stream ended before [DONE]";
        ObjectNode whole = null;
        ObjectNode counts = null;
        if (broken == null) {
            try {
                counts = usage(usage);
                whole = ChatDigests.answerFromChunks(relayed, chat);
                whole.set("usage", counts);
            } catch (OpenAiException e) {
                broken = e.getMessage();
            }
        }
        if (broken != null) {
            LOG.warn("upstream stream for model {} failed, no receipt: {}", model, broken);
            OpenAiApi.event(out, OpenAiApi.errorBody(ctx.path(), failed("upstream_stream_failed", broken)));
            OpenAiApi.done(out);
            return;
        }
        SignedReceipt receipt;
        try {
            receipt = sign(service, requestId, prev, model, reported, requestDigest, whole, counts);
        } catch (OpenAiException e) {
            OpenAiApi.event(out, OpenAiApi.errorBody(ctx.path(), e));
            OpenAiApi.done(out);
            return;
        }
        ObjectNode fin = JSON.createObjectNode();
        fin.put("id", id).put("object", object).put("created", created).put("model", model).put("system_fingerprint", ENGINE);
        fin.putArray("choices");
        fin.set("usage", counts);
        fin.set("verity", OpenAiApi.verity(receipt, requestDigest, ChatDigests.response(whole), applied));
        OpenAiApi.event(out, fin);
        OpenAiApi.done(out);
    }

    /** The OpenAI list entries for the proxied models. */
    void addModels(ArrayNode data, String owner) {
        for (String local : upstream.models().keySet()) {
            data.addObject().put("id", local).put("object", "model").put("created", 0).put("owned_by", owner)
                    .put("verity_model_digest", modelDigest(local).toHex()).put("verity_kind", "llm")
                    .put("verity_engine", ENGINE);
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        http.close();
    }
}
