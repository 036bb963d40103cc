package io.verity.http;

import io.verity.protocol.wire.Problem;
import io.verity.protocol.wire.ProblemKind;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's answer to a request it refuses before any route sees it (a malformed request line, a duplicate
 * Content-Length, headers over 8 KiB): problem+json in the servers' shape instead of Jetty's HTML page, and
 * only the status's own words, so nothing about the server's software or internals leaves.
 */
final class ProblemErrorHandler implements Request.Handler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Object attr = request.getAttribute(ErrorHandler.ERROR_STATUS);
        int status = attr instanceof Integer i ? i : response.getStatus();
        if (status < 400) status = 500;
        ProblemKind kind = status < 500 ? ProblemKind.MALFORMED_REQUEST : ProblemKind.INTERNAL;
        // the status's own words as title: the kind's status need not be the one Jetty chose
        Problem p = Problem.of(kind.slug, HttpStatus.getMessage(status), status, status < 500
                ? "the server could not read the request (HTTP " + status + " " + HttpStatus.getMessage(status) + ")"
                : "unexpected error; the server logged it").withSource(kind.source);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
        response.write(true, ByteBuffer.wrap(p.toBytes(false)), callback);
        return true;
    }
}
