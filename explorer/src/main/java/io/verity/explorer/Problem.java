package io.verity.explorer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;

/**
 * A client mistake in a path or query parameter, answered as RFC 9457 problem+json naming the parameter
 * ({@code errors[0].pointer}), or as an HTML page saying the same when a browser asked for HTML.
 */
final class Problem extends RuntimeException {
    static final String MEDIA_TYPE = "application/problem+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    final int status;
    final String slug;
    final String title;
    final String pointer;

    Problem(int status, String slug, String title, String pointer, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.pointer = pointer;
    }

    static Problem badParam(String param, String detail) {
        return new Problem(400, "invalid-request", "Request does not match the API", param, detail);
    }

    static Problem notFound(String detail) {
        return new Problem(404, "not-found", "Not found", null, detail);
    }

    void send(Context ctx) {
        String accept = ctx.header("Accept");
        if (accept != null && accept.contains("text/html") && !ctx.path().startsWith("/api/")) {
            ctx.status(status).html(Html.page(title, "", new Html()
                    .h1(title).p(getMessage() + (pointer == null ? "" : " (" + pointer + ")")).toString()));
            return;
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("type", "urn:verity:problem:" + slug);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", getMessage());
        body.put("instance", ctx.path());
        if (pointer != null) body.putArray("errors").addObject().put("pointer", pointer).put("detail", getMessage());
        ctx.status(status).contentType(MEDIA_TYPE).result(body.toString());
    }
}
