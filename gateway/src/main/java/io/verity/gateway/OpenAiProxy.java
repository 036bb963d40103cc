package io.verity.gateway;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.verity.llm.ChatDigests;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import jakarta.servlet.ServletOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenAI-compatible pass-through: {@code POST /v1/chat/completions} and {@code /v1/completions} go to one
 * healthy node that serves the model (policy none; the least busy, ties broken at random). The gateway
 * checks the node's receipt as it does for {@code /v1/infer} (signature in this chain's domain, signer is the
 * node it asked, model digest, and both digests recomputed from the request and the answer, see
 * {@link ChatDigests}), pays the receipt's price, and adds {@code verdict} and {@code payment} to the
 * answer's {@code verity} object. Streams are relayed chunk by chunk as they arrive; the final {@code verity}
 * chunk is checked and completed the same way before {@code [DONE]}.
 *
 * <p>An answer that fails the check never reaches the client: 502 (non-streamed), or an error event in
 * place of the receipt chunk (streamed; the tokens were already relayed).
 */
final class OpenAiProxy {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiProxy.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** {@link NodeState.ServedModel#version()} of the language models a node lists. */
    static final String LLM_VERSION = "llm";

    private OpenAiProxy() {}

    static void register(JavalinConfig cfg, Gateway gateway) {
        cfg.routes.post("/v1/chat/completions", ctx -> forward(ctx, gateway, "/v1/chat/completions"));
        cfg.routes.post("/v1/completions", ctx -> forward(ctx, gateway, "/v1/completions"));
    }

    /** OpenAI's model list: each language model a healthy node serves, once, with the nodes serving it. */
    static void addModelList(ObjectNode body, Gateway gateway) {
        body.put("object", "list");
        var data = body.putArray("data");
        java.util.Map<String, ObjectNode> byName = new java.util.TreeMap<>();
        Instant now = Instant.now();
        for (NodeState n : gateway.nodes()) {
            for (NodeState.ServedModel m : n.served()) {
                if (!m.version().equals(LLM_VERSION) || !n.canServe(m.digest(), now)) continue;
                ObjectNode o = byName.computeIfAbsent(m.name(), name -> {
                    ObjectNode x = JSON.createObjectNode().put("id", name).put("object", "model").put("created", 0)
                            .put("owned_by", "verity").put("verity_model_digest", m.digest().toHex()).put("verity_kind", "llm");
                    x.putArray("verity_nodes");
                    return x;
                });
                ((com.fasterxml.jackson.databind.node.ArrayNode) o.get("verity_nodes")).add(n.address.toString());
            }
        }
        byName.values().forEach(data::add);
    }

    private static void forward(Context ctx, Gateway gateway, String path) throws Exception {
        byte[] bytes = ctx.bodyAsBytes();
        JsonNode body;
        try {
            body = JSON.readTree(bytes);
        } catch (IOException e) {
            error(ctx, 400, "malformed-json", "invalid_request_error", "request body is not valid JSON: "
                    + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), null, "malformed_json");
            return;
        }
        if (body == null || !body.isObject() || !body.path("model").isTextual()) {
            error(ctx, 400, "invalid-request", "invalid_request_error", "model is required: the name of a language model",
                    "model", null);
            return;
        }
        String model = body.get("model").asText();
        Instant now = Instant.now();
        List<NodeState> candidates = new ArrayList<>();
        Keccak256 digest = null;
        for (NodeState n : gateway.nodes()) {
            for (NodeState.ServedModel m : n.served()) {
                if (m.version().equals(LLM_VERSION) && m.name().equals(model) && n.canServe(m.digest(), now)) {
                    candidates.add(n);
                    digest = m.digest();
                }
            }
        }
        if (candidates.isEmpty()) {
            error(ctx, 404, "unknown-model", "invalid_request_error", "no healthy node serves language model '" + model
                    + "'; GET /v1/models lists what the network serves", "model", "model_not_found");
            return;
        }
        Keccak256 modelDigest = digest;
        NodeState node = candidates.stream().min(Comparator.comparingInt((NodeState n) -> n.inflight.get())
                .thenComparingInt(n -> ThreadLocalRandom.current().nextInt())).orElseThrow();
        boolean stream = body.path("stream").asBoolean(false);
        HttpRequest.Builder req = HttpRequest.newBuilder(node.url().resolve(path)).timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        String rid = ctx.header("Verity-Request-Id");
        if (rid != null) req.header("Verity-Request-Id", rid);
        node.inflight.incrementAndGet();
        long started = System.nanoTime();
        try {
            HttpResponse<InputStream> resp;
            try {
                resp = gateway.http().send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                node.recordFailure(ms(started));
                error(ctx, 502, "no-valid-answer", "server_error", "node " + node.address + " did not answer: " + e.getMessage(),
                        null, "node_unreachable");
                return;
            }
            if (resp.statusCode() != 200) {
                // The node's error is already OpenAI- and problem-shaped: relay it as is.
                byte[] err = resp.body().readAllBytes();
                ctx.status(resp.statusCode()).contentType(resp.headers().firstValue("Content-Type").orElse("application/json"))
                        .result(err);
                return;
            }
            if (stream) {
                relayStream(ctx, gateway, node, path, body, modelDigest, resp);
            } else {
                JsonNode answer = JSON.readTree(resp.body());
                Optional<String> bad = check(gateway, node, path, body, modelDigest, answer, answer);
                if (bad.isPresent()) {
                    node.recordFailure(ms(started));
                    LOG.warn("node {} answered {} with a receipt that fails: {}", node.address, path, bad.get());
                    error(ctx, 502, "no-valid-answer", "server_error", "the node's answer failed verification: " + bad.get(),
                            null, "invalid_receipt");
                    return;
                }
                node.recordSuccess(ms(started));
                complete(gateway, node, (ObjectNode) answer.get("verity"));
                SignedReceipt receipt = ReceiptJson.read(answer.at("/verity/receipt"), "");
                for (String h : new String[] {"Verity-Receipt-Id", "Verity-Node", "Verity-Request-Digest",
                        "Verity-Response-Digest", "Verity-Receipt"}) {
                    resp.headers().firstValue(h).ifPresent(v -> ctx.header(h, v));
                }
                ctx.header("Verity-Receipt-Id", receipt.id().toHex());
                ctx.status(200).contentType("application/json").result(JSON.writeValueAsBytes(answer));
            }
        } finally {
            node.inflight.decrementAndGet();
        }
    }

    /**
     * Checks a node's answer as a stranger would.
     *
     * @param verityHolder the JSON holding {@code verity} (the answer, or a stream's last chunk)
     * @param answer the whole answer the receipt must sign (for a stream, rebuilt from its chunks)
     * @return what is wrong, or empty when the receipt holds
     */
    private static Optional<String> check(Gateway gateway, NodeState node, String path, JsonNode request, Keccak256 model,
            JsonNode verityHolder, JsonNode answer) {
        JsonNode verity = verityHolder.get("verity");
        if (verity == null || !verity.isObject()) return Optional.of("the answer has no verity object");
        SignedReceipt receipt;
        try {
            receipt = ReceiptJson.read(verity.get("receipt"), "/verity/receipt");
        } catch (RuntimeException e) {
            return Optional.of("malformed receipt: " + e.getMessage());
        }
        if (receipt.verify(gateway.domain()) instanceof ReceiptVerdict.Invalid bad) return Optional.of(bad.reason());
        if (!receipt.receipt().node().equals(node.address)) {
            return Optional.of("signed by " + receipt.receipt().node() + ", not by the node asked, " + node.address);
        }
        if (!receipt.receipt().modelDigest().equals(model)) {
            return Optional.of("model digest " + receipt.receipt().modelDigest() + " is not the model asked, " + model);
        }
        Keccak256 requestDigest = ChatDigests.request(path, request, verity.get("applied"));
        if (!receipt.receipt().inputsDigest().equals(requestDigest)) {
            return Optional.of("inputsDigest " + receipt.receipt().inputsDigest() + " is not the request's digest " + requestDigest);
        }
        Keccak256 responseDigest = ChatDigests.response(answer);
        if (!receipt.receipt().outputsDigest().equals(responseDigest)) {
            return Optional.of("outputsDigest " + receipt.receipt().outputsDigest() + " is not the answer's digest " + responseDigest);
        }
        return Optional.empty();
    }

    /** Pays the receipt's price and records the verdict in the answer's verity object. */
    private static void complete(Gateway gateway, NodeState node, ObjectNode verity) {
        SignedReceipt receipt = ReceiptJson.read(verity.get("receipt"), "");
        ObjectNode verdict = verity.putObject("verdict");
        verdict.put("status", "single").put("asked", 1).put("agreeing", 1).put("comparison", "receipt")
                .put("checked", "signature, signer, model, request and response digests");
        var price = receipt.receipt().price();
        Optional<Payer.Payment> paid = price.signum() > 0 ? gateway.payer().map(p -> p.pay(node, price)) : Optional.empty();
        if (paid.isPresent()) {
            verity.putObject("payment").put("node", paid.get().node().toString()).put("amount", paid.get().amount().toString())
                    .put("cumulativeAmount", paid.get().cumulativeAmount().toString());
        } else {
            verity.putNull("payment");
        }
    }

    private static void relayStream(Context ctx, Gateway gateway, NodeState node, String path, JsonNode request,
            Keccak256 model, HttpResponse<InputStream> resp) throws IOException {
        long started = System.nanoTime();
        var res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream");
        res.setCharacterEncoding("utf-8");
        res.setHeader("Cache-Control", "no-cache");
        resp.headers().firstValue("Verity-Request-Digest").ifPresent(v -> res.setHeader("Verity-Request-Digest", v));
        ServletOutputStream out = res.getOutputStream();
        boolean chat = path.equals("/v1/chat/completions");
        List<JsonNode> relayed = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                    write(out, line + "\n");
                    continue;
                }
                JsonNode chunk = JSON.readTree(line.substring(6));
                relayed.add(chunk);
                if (chunk.has("verity")) {
                    // Rebuild the whole answer the receipt signs from what was relayed.
                    ObjectNode whole = ChatDigests.answerFromChunks(relayed, chat);
                    Optional<String> bad = check(gateway, node, path, request, model, chunk, whole);
                    if (bad.isPresent()) {
                        node.recordFailure(ms(started));
                        LOG.warn("node {} streamed {} with a receipt that fails: {}", node.address, path, bad.get());
                        write(out, "data: " + JSON.writeValueAsString(errorBody(path, 502, "no-valid-answer", "server_error",
                                "the node's answer failed verification: " + bad.get(), null, "invalid_receipt")) + "\n");
                        continue;
                    }
                    node.recordSuccess(ms(started));
                    complete(gateway, node, (ObjectNode) chunk.get("verity"));
                    write(out, "data: " + JSON.writeValueAsString(chunk) + "\n");
                    continue;
                }
                write(out, line + "\n");
            }
        }
    }

    private static void write(ServletOutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        if (s.equals("\n")) out.flush(); // an event ends with a blank line: send it now
    }

    private static double ms(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e6;
    }

    private static void error(Context ctx, int status, String slug, String type, String message, String param, String code)
            throws JsonProcessingException {
        ctx.status(status).contentType(Problem.MEDIA_TYPE)
                .result(JSON.writeValueAsBytes(errorBody(ctx.path(), status, slug, type, message, param, code)));
    }

    /** OpenAI's error object and an RFC 9457 problem in one body, as the node sends them. */
    private static ObjectNode errorBody(String path, int status, String slug, String type, String message, String param,
            String code) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("message", message).put("type", type).put("param", param).put("code", code);
        body.put("type", "urn:verity:problem:" + slug).put("title", message).put("status", status).put("detail", message)
                .put("instance", path);
        if (param != null) body.putArray("errors").addObject().put("pointer", "/" + param).put("detail", message);
        return body;
    }
}
