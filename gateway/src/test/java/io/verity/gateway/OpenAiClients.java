package io.verity.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
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
        return OpenAIOkHttpClient.builder().baseUrl(gateway.url() + "/v1").apiKey("unused").maxRetries(0).timeout(timeout)
                .build();
    }

    /** The SDK's untyped extension member (our {@code verity} object) as a Jackson tree. */
    static JsonNode tree(JsonValue v) {
        return com.openai.core.ObjectMappers.jsonMapper().valueToTree(v);
    }
}
