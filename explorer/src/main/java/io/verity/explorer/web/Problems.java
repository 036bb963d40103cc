package io.verity.explorer.web;

import io.javalin.http.Context;
import io.verity.http.ProblemResponses;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.wire.Problem;
import io.verity.protocol.wire.ProblemException;
import java.util.List;

/**
 * The explorer's refusals: a client mistake in a path or query parameter, answered as RFC 9457 problem+json
 * naming the parameter ({@code errors[0].pointer}), or as an HTML page saying the same when a browser asked for
 * HTML.
 */
public final class Problems {
    private Problems() {}

    static ProblemException badParam(String param, String detail) {
        return new ProblemException(Problem.of("invalid-request", "Request does not match the API", 400, detail)
                .withErrors(List.of(new FieldError(param, detail))));
    }

    static ProblemException notFound(String detail) {
        return new ProblemException(Problem.of("not-found", "Not found", 404, detail));
    }

    static Problem internal() {
        return Problem.of("internal", "Internal error", 500, "unexpected error; the explorer logged it");
    }

    static void send(Context ctx, Problem p) {
        String accept = ctx.header("Accept");
        if (accept != null && accept.contains("text/html") && !ctx.path().startsWith("/api/")) {
            String pointer = p.errors().isEmpty() ? null : p.errors().getFirst().pointer();
            ctx.status(p.status()).html(Html.page(p.title(), "", new Html()
                    .h1(p.title()).p(p.detail() + (pointer == null ? "" : " (" + pointer + ")")).toString()));
            return;
        }
        ProblemResponses.send(ctx, p);
    }
}
