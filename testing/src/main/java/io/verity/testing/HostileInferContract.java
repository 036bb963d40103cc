package io.verity.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The hostile bodies every server's {@code POST /v1/infer} must refuse alike (issue 13, items 3 and 7), written once
 * and run by the node's and the gateway's hostile-input ITs against their own servers: each is a small 4xx
 * problem naming the place.
 */
public interface HostileInferContract {
    /**
     * The servers under test.
     *
     * @param server under default limits
     * @param strict with a minimum data rate of 100 bytes/s and a short idle timeout
     */
    record Servers(URI server, URI strict) {}

    Servers servers();

    /**
     * The answer {@code r} is the problem {@code slug} with {@code status}: what every server's problem shows
     * ({@link #problemOf}); a server that adds members checks them too.
     */
    default JsonNode problem(RawHttp.Response r, int status, String slug) throws IOException {
        return problemOf(r, status, slug);
    }

    @Test
    default void a_million_unknown_keys_get_a_short_error_list() throws Exception {
        byte[] body = HostileBodies.millionUnknownKeys();
        assertTrue(body.length > 16_900_000, "the body is " + body.length + " bytes");
        JsonNode p = problem(postInfer(servers().server(), body, "application/json"), 400, "invalid-request");
        assertEquals(21, p.get("errors").size());
        assertEquals("/unknown0000000", pointer(p));
        // 20 named, then the count of the rest: 999,980 more keys, and model and inputs missing
        assertTrue(p.get("errors").get(20).get("detail").asText().startsWith("999982 more"), p.toString());
    }

    @Test
    default void deep_nesting_is_a_400() throws Exception {
        JsonNode p = problem(postInfer(servers().server(), HostileBodies.deeplyNestedInputs(), "application/json"), 400, "malformed-json");
        assertTrue(p.get("detail").asText().toLowerCase(java.util.Locale.ROOT).contains("depth"), p.toString());
    }

    @Test
    default void a_client_trickling_its_body_is_cut_off() throws Exception {
        // 4 bytes a second against a minimum of 100: the server must end it long before the 200th byte
        problem(HostileRequests.trickled(servers().strict(), "/v1/infer", 200), 408, "request-timeout");
    }

    /** {@code body} as a {@code POST /v1/infer} of {@code contentType}, over a raw socket. */
    static RawHttp.Response postInfer(URI base, byte[] body, String contentType) throws IOException {
        return RawHttp.exchange(base, RawHttp.head("POST", base, "/v1/infer", "Content-Type: " + contentType,
                "Content-Length: " + body.length), body);
    }

    /** The same for a text body, in UTF-8. */
    static RawHttp.Response postInfer(URI base, String body, String contentType) throws IOException {
        return postInfer(base, body.getBytes(StandardCharsets.UTF_8), contentType);
    }

    /**
     * What every server's problem answer shows: {@code status}, problem+json, small (a few kilobytes whatever the
     * body), no stack trace, and the type {@code urn:verity:problem:slug}; the parsed problem.
     */
    static JsonNode problemOf(RawHttp.Response r, int status, String slug) throws IOException {
        assertEquals(status, r.status(), r.text());
        assertTrue(String.valueOf(r.headers().get("content-type")).startsWith("application/problem+json"), r.headers().toString());
        assertTrue(r.body().length < 8 * 1024, "a small answer, not " + r.body().length + " bytes");
        assertTrue(!r.text().contains("\tat ") && !r.text().contains("Exception"), r.text());
        JsonNode p = new ObjectMapper().readTree(r.body());
        assertEquals("urn:verity:problem:" + slug, p.get("type").asText());
        return p;
    }

    /** The pointer of the first error. */
    static String pointer(JsonNode p) {
        return p.get("errors").get(0).get("pointer").asText();
    }
}
