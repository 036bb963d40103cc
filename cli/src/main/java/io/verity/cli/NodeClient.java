package io.verity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** A small blocking client of a node's HTTP API, as a user's program would call it. */
public final class NodeClient {
    public static final ObjectMapper JSON = new ObjectMapper();

    /** The node answered with a problem document (4xx/5xx). */
    static final class ProblemResponse extends IOException {
        final int status;
        final JsonNode problem;

        ProblemResponse(int status, JsonNode problem) {
            super(describe(status, problem));
            this.status = status;
            this.problem = problem;
        }

        private static String describe(int status, JsonNode p) {
            StringBuilder sb = new StringBuilder("node answered " + status);
            if (p.hasNonNull("title")) sb.append(" ").append(p.get("title").asText());
            if (p.hasNonNull("detail")) sb.append(": ").append(p.get("detail").asText());
            for (JsonNode e : p.path("errors")) {
                sb.append("\n  ").append(e.path("pointer").asText()).append(": ").append(e.path("detail").asText());
            }
            return sb.toString();
        }
    }

    record Answer(List<Tensor> outputs, SignedReceipt receipt, JsonNode raw) {}

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public NodeClient(URI base) {
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    }

    Answer infer(String model, JsonNode inputsArray, String requestId) throws IOException, InterruptedException {
        JsonNode resp = inferRaw(model, inputsArray, requestId, null);
        return new Answer(TensorJson.readList(resp.get("outputs"), "/outputs"), ReceiptJson.read(resp.get("receipt"), "/receipt"), resp);
    }

    /** The response as sent: a node's {outputs, receipt} or, with a policy, a gateway's answer (docs/gateway.md). */
    JsonNode inferRaw(String model, JsonNode inputsArray, String requestId, String policy) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        body.set("inputs", inputsArray);
        if (requestId != null) body.put("requestId", requestId);
        if (policy != null) body.put("policy", policy);
        HttpRequest req = HttpRequest.newBuilder(base.resolve("/v1/infer"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                .build();
        return send(req);
    }

    /** POSTs a JSON body, e.g. to a gateway, whose answers have their own shape. */
    JsonNode post(String path, JsonNode body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build());
    }

    public JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET().build());
    }

    private JsonNode send(HttpRequest req) throws IOException, InterruptedException {
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            throw new ConnectException("cannot reach the node at " + base + " (is it running?)");
        }
        JsonNode body;
        try {
            body = JSON.readTree(resp.body());
        } catch (IOException e) {
            throw new IOException("node at " + base + " answered " + resp.statusCode() + " with a body that is not JSON");
        }
        if (resp.statusCode() >= 400) throw new ProblemResponse(resp.statusCode(), body);
        return body;
    }
}
