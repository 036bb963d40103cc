package io.verity.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Object attr = request.getAttribute(ErrorHandler.ERROR_STATUS);
        int status = attr instanceof Integer i ? i : response.getStatus();
        if (status < 400) status = 500;
        ObjectNode body = JSON.createObjectNode();
        body.put("type", status < 500 ? HttpFailure.Kind.MALFORMED_REQUEST.type() : "urn:verity:problem:internal");
        body.put("title", HttpStatus.getMessage(status));
        body.put("status", status);
        body.put("detail", status < 500 ? "the server could not read the request (HTTP " + status + " "
                + HttpStatus.getMessage(status) + ")" : "unexpected error; the server logged it");
        body.put("source", status < 500 ? "request" : "node");
        body.put("retryable", status >= 500);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/problem+json");
        response.write(true, ByteBuffer.wrap(JSON.writeValueAsBytes(body)), callback);
        return true;
    }
}
