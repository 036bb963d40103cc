package io.verity.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.node.fixture.StakedNodes;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * A Silero VAD request (the model: {@link StakedNodes#installVad}), and the HTTP calls the tests make against a
 * running node.
 */
final class NodeFixture {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String VAD = StakedNodes.VAD;

    private NodeFixture() {}

    /** A valid request body for Silero VAD v5. */
    static String vadRequest(String requestId) {
        StringBuilder samples = new StringBuilder();
        for (int i = 0; i < 512; i++) {
            if (i > 0) samples.append(',');
            samples.append((float) (0.5 * Math.sin(2 * Math.PI * 220 * i / 16000.0)));
        }
        return "{\"model\":\"" + VAD + "\"," + (requestId == null ? "" : "\"requestId\":\"" + requestId + "\",")
                + "\"inputs\":[{\"name\":\"input\",\"dtype\":\"float32\",\"shape\":[1,512],\"data\":[" + samples + "]},"
                + "{\"name\":\"state\",\"dtype\":\"float32\",\"shape\":[2,1,128],\"b64\":\""
                + java.util.Base64.getEncoder().encodeToString(new byte[2 * 128 * 4]) + "\"},"
                + "{\"name\":\"sr\",\"dtype\":\"int64\",\"shape\":[],\"data\":[16000]}]}";
    }

    record Response(int status, String contentType, JsonNode body, byte[] raw) {}

    static Response post(HttpClient http, URI base, String path, String body, String contentType)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) b.header("Content-Type", contentType);
        return wrap(http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray()));
    }

    static Response get(HttpClient http, URI base, String path) throws IOException, InterruptedException {
        return wrap(http.send(HttpRequest.newBuilder(base.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofByteArray()));
    }

    private static Response wrap(HttpResponse<byte[]> r) throws IOException {
        String type = r.headers().firstValue("Content-Type").orElse("");
        JsonNode body = type.contains("json") ? JSON.readTree(r.body()) : null;
        return new Response(r.statusCode(), type, body, r.body());
    }
}
