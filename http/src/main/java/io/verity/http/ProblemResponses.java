package io.verity.http;

import io.javalin.http.Context;
import io.verity.protocol.wire.Problem;
import java.util.Set;

/**
 * The one writer of problem+json answers for node, gateway and explorer: the request path as {@code instance}
 * (unless the problem names one), OpenAI's {@code error} object on the OpenAI routes, the problem's status.
 */
public final class ProblemResponses {
    /** Routes whose clients are OpenAI SDKs: their problems also carry OpenAI's {@code error} object. */
    public static final Set<String> OPENAI_ROUTES = Set.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings");

    private ProblemResponses() {}

    public static void send(Context ctx, Problem p) {
        if (p.instance() == null) p = p.withInstance(ctx.path());
        ctx.status(p.status()).contentType(Problem.MEDIA_TYPE).result(p.toBytes(OPENAI_ROUTES.contains(ctx.path())));
    }

    /** A refusal of the shared hardening, with Retry-After (whole seconds, at least 1) when it says one. */
    public static void send(Context ctx, HttpFailure f) {
        f.retryAfter().ifPresent(d -> ctx.header("Retry-After", Long.toString(Math.max(1, d.toSeconds()))));
        send(ctx, f.problem());
    }
}
