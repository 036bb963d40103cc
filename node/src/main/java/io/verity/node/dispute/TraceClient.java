package io.verity.node.dispute;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.protocol.merkle.TraceProof;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads what a node serves for disputes (its receipt, inclusion proof and the trace routes of
 * docs/deterministic-engine.md, "Disputes"). Every method answers empty when the node does not serve it
 * (unreachable, an error status, or a malformed body): to a referee, not serving is losing.
 */
public final class TraceClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI base;
    private final HttpClient http;

    /** One opened trace entry: the opening DisputeGame checks, and the name and producing node (-1: a graph input). */
    public record Opening(TraceProof reveal, String name, int node) {}

    /** A served tensor with the opening of its trace entry. */
    public record Served(Opening opening, Tensor tensor) {}

    /** What the operator producing entry {@code index} reads ({@code node} -1: the request's inputs). */
    public record OperatorInputs(int index, String name, int node, String op, List<Served> inputs) {}

    /** An inclusion proof of a receipt in a batch on chain. */
    public record Inclusion(long batchId, List<Keccak256> proof) {}

    public TraceClient(URI nodeUrl) {
        this.base = URI.create(nodeUrl.toString().replaceAll("/+$", ""));
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    public Optional<SignedReceipt> receipt(Keccak256 id) {
        return get("/v1/receipts/" + id.toHex(), j -> ReceiptJson.read(j, ""));
    }

    public Optional<Inclusion> inclusion(Keccak256 id) {
        return get("/v1/receipts/" + id.toHex() + "/proof", j -> new Inclusion(j.get("batchId").asLong(), hashes(j.get("proof"))));
    }

    /** The trace length the node serves for the receipt. */
    public Optional<Integer> traceSize(Keccak256 id) {
        return get("/v1/receipts/" + id.toHex() + "/trace", j -> j.get("n").asInt());
    }

    public Optional<Opening> opening(Keccak256 id, long index) {
        return get("/v1/receipts/" + id.toHex() + "/trace/" + index, TraceClient::opening);
    }

    public Optional<OperatorInputs> inputs(Keccak256 id, long index) {
        return get("/v1/receipts/" + id.toHex() + "/trace/" + index + "/inputs", j -> {
            List<Served> served = new ArrayList<>();
            for (JsonNode s : j.get("inputs")) served.add(new Served(opening(s.get("opening")), TensorJson.read(s.get("tensor"), "/tensor")));
            return new OperatorInputs(j.get("index").asInt(), j.get("name").asText(), j.get("node").asInt(),
                    j.get("op").isNull() ? null : j.get("op").asText(), served);
        });
    }

    private static Opening opening(JsonNode j) {
        return new Opening(TraceProof.fromJson(j), j.get("name").asText(), j.get("node").asInt());
    }

    private static List<Keccak256> hashes(JsonNode arr) {
        List<Keccak256> out = new ArrayList<>();
        for (JsonNode h : arr) out.add(Keccak256.parse(h.asText()));
        return out;
    }

    /** The parsed body of a 200 answer; empty for anything else, including a body {@code parse} cannot read. */
    private <T> Optional<T> get(String path, java.util.function.Function<JsonNode, T> parse) {
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).GET().build();
            HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            if (resp.statusCode() != 200) return Optional.empty();
            return Optional.ofNullable(parse.apply(JSON.readTree(resp.body())));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // unreachable or malformed: the node did not serve it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
