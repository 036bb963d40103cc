package io.verity.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.llm.LlmEngine;
import io.verity.node.fixture.TinyLlmNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** verity verify --transcript recomputes both JCS digests of a saved OpenAI-style exchange with a real node. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TranscriptVerifyIT {
    static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension static final TinyLlmNode node = TinyLlmNode.of(LlmEngine.Options.defaults(1, null));
    @TempDir Path dir;

    @Test
    void a_saved_exchange_verifies_streamed_or_not_and_a_tampered_answer_fails() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            String request = "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                    + "\"temperature\":0.7,\"seed\":5,\"max_tokens\":8,\"response_format\":{\"type\":\"text\"}}";
            JsonNode response = JSON.readTree(send(http, node.url(), request));
            ObjectNode t = JSON.createObjectNode();
            t.set("request", JSON.readTree(request));
            t.set("response", response);
            Path file = dir.resolve("t.json");
            Files.writeString(file, t.toString());
            assertThat(CliEndToEndIT.run("verify", "--transcript", file.toString(), "--offline")).isEqualTo(0);

            // receipt v2: a request that pinned another model digest is not what this receipt served
            ((ObjectNode) t.get("request")).putObject("verity").put("model_digest", "0x" + "ab".repeat(32));
            Files.writeString(file, t.toString());
            assertThat(CliEndToEndIT.run("verify", "--transcript", file.toString(), "--offline")).isEqualTo(Main.CHECK_FAILED);
            ((ObjectNode) t.get("request")).remove("verity");

            ((ObjectNode) response.at("/choices/0/message")).put("content", "forged");
            Files.writeString(file, t.toString());
            assertThat(CliEndToEndIT.run("verify", "--transcript", file.toString(), "--offline")).isEqualTo(Main.CHECK_FAILED);

            ((ObjectNode) t.get("request")).put("seed", 6); // the answer no longer belongs to this request
            t.set("response", JSON.readTree(send(http, node.url(), request)));
            Files.writeString(file, t.toString());
            assertThat(CliEndToEndIT.run("verify", "--transcript", file.toString(), "--offline")).isEqualTo(Main.CHECK_FAILED);

            String streamed = request.replace("{\"model\"", "{\"stream\":true,\"model\"");
            ArrayNode chunks = JSON.createArrayNode();
            send(http, node.url(), streamed).lines().filter(l -> l.startsWith("data: {")).forEach(l -> {
                try {
                    chunks.add(JSON.readTree(l.substring(6)));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            ObjectNode s = JSON.createObjectNode();
            s.set("request", JSON.readTree(streamed));
            s.set("chunks", chunks);
            Files.writeString(file, s.toString());
            assertThat(CliEndToEndIT.run("verify", "--transcript", file.toString(), "--offline")).isEqualTo(0);
        }
    }

    static String send(HttpClient http, URI node, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(node.resolve("/v1/chat/completions")).header("Content-Type",
                "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
