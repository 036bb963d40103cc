package io.verity.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import io.verity.node.fixture.OpenAiSdk;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** What the gateway's language-model ITs share: OpenAI's own SDK pointed at a gateway, and plain JSON GETs. */
final class OpenAiClients {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OpenAiClients() {}

    static JsonNode get(HttpClient http, URI base, String path) throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString())
                .body());
    }

    /** No retries: a test must see the gateway's first answer, not the SDK's second try. */
    static OpenAIClient openai(Gateway gateway, Duration timeout) {
        return OpenAiSdk.client(gateway.url(), timeout);
    }
}
