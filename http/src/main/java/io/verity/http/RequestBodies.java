package io.verity.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.StrictJson;
import io.verity.protocol.wire.ProblemKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Optional;

/**
 * The one way a server reads a request body: the content type is checked, the size is bounded while reading
 * (a chunked body announces no length), a transport failure (malformed chunking, a body cut short, a client
 * too slow) is the client's 4xx, and JSON is read by the protocol's {@link StrictJson}.
 *
 * <p>A POST without a Content-Type is refused like a wrong one (415): a body's type is what a client says it
 * is, and guessing is how a form post or a text/plain "simple request" from a browser page reaches a JSON route.
 */
public final class RequestBodies {
    /** Where {@link #bytes} leaves the body it read: the stream is consumed, so {@code ctx.bodyAsBytes()} is empty after. */
    private static final String BODY = RequestBodies.class.getName() + ".body";

    private RequestBodies() {}

    /**
     * The body as read by {@link #bytes} (or {@link #json}) earlier in this request, for after-handlers such as
     * metrics; empty when it was never read that way (then the stream is still unread and Javalin's own
     * {@code bodyAsBytes()} works). Never reads the stream itself, so it cannot block or exceed a limit.
     */
    public static Optional<byte[]> alreadyRead(Context ctx) {
        return Optional.ofNullable(ctx.attribute(BODY));
    }

    /** @throws HttpFailure 415 unless the request says {@code application/json} (parameters such as charset allowed) */
    public static void requireJson(Context ctx) {
        String type = ctx.header("Content-Type");
        String media = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!media.equals("application/json")) {
            throw new HttpFailure(ProblemKind.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json, got "
                    + (type == null ? "none" : "'" + type + "'"));
        }
    }

    /**
     * The whole body, at most {@code maxBytes}.
     *
     * @throws HttpFailure 413 over the limit, 408 when it arrived too slowly, 400 when it could not be read
     */
    public static byte[] bytes(Context ctx, long maxBytes) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBytes) throw tooLarge(maxBytes);
        try (InputStream in = ctx.req().getInputStream()) {
            if (declared >= 0 && declared < Integer.MAX_VALUE - 8) { // Jetty ends the stream there: read into one array
                byte[] body = new byte[(int) declared];
                for (int off = 0, n; off < body.length; off += n) {
                    if ((n = in.read(body, off, body.length - off)) < 0) throw new java.io.EOFException("body cut short");
                }
                ctx.attribute(BODY, body);
                return body;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 8192);
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buf)) >= 0; ) {
                total += n;
                if (total > maxBytes) throw tooLarge(maxBytes);
                out.write(buf, 0, n);
            }
            byte[] body = out.toByteArray();
            ctx.attribute(BODY, body);
            return body;
        } catch (IOException | RuntimeException e) {
            if (e instanceof HttpFailure f) throw f;
            throw transport(e).orElseThrow(() -> e instanceof RuntimeException r ? r : new java.io.UncheckedIOException((IOException) e));
        }
    }

    /**
     * A JSON body under {@link StrictJson#standard()}: {@link #requireJson}, {@link #bytes}, then one document.
     *
     * @throws HttpFailure 400 {@code malformed-json} with the pointer StrictJson names, or as {@link #bytes}
     */
    public static JsonNode json(Context ctx, long maxBytes) {
        requireJson(ctx);
        byte[] body = bytes(ctx, maxBytes);
        try {
            return StrictJson.standard().read(body);
        } catch (InvalidFieldException e) {
            throw new HttpFailure(ProblemKind.MALFORMED_JSON, e.errors().getFirst().detail(), e.errors(), Optional.empty());
        }
    }

    /**
     * The client's failure behind an exception thrown while a request was read, if it is one: Jetty's 4xx
     * (a bad chunk, a body over a size limit), a read that timed out or a body cut short. Empty for anything
     * else, which stays the server's own error.
     */
    public static Optional<HttpFailure> transport(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpFailure f) return Optional.of(f);
            if (t instanceof org.eclipse.jetty.http.HttpException h && h.getCode() >= 400 && h.getCode() < 500) {
                return Optional.of(switch (h.getCode()) {
                    case 413 -> new HttpFailure(ProblemKind.BODY_TOO_LARGE, "the request body exceeds this server's limit");
                    case 408 -> timeout();
                    default -> new HttpFailure(ProblemKind.MALFORMED_REQUEST, "the request could not be read: "
                            + (h.getReason() == null ? "HTTP " + h.getCode() : h.getReason()));
                });
            }
            if (t instanceof java.util.concurrent.TimeoutException || t instanceof java.net.SocketTimeoutException) {
                return Optional.of(timeout());
            }
            if (t instanceof java.io.EOFException) {
                return Optional.of(new HttpFailure(ProblemKind.MALFORMED_REQUEST,
                        "the request body ended before its announced length (or its last chunk)"));
            }
        }
        return Optional.empty();
    }

    private static HttpFailure timeout() {
        return new HttpFailure(ProblemKind.REQUEST_TIMEOUT, "the request body arrived too slowly; send it at once");
    }

    private static HttpFailure tooLarge(long maxBytes) {
        return new HttpFailure(ProblemKind.BODY_TOO_LARGE, "the request body exceeds this server's limit of "
                + maxBytes + " bytes");
    }
}
