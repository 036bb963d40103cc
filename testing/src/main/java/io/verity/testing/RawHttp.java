package io.verity.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for what {@code java.net.http} refuses to send: malformed chunking, a body
 * shorter than its Content-Length, a body trickled a byte at a time. Reads one response (Content-Length,
 * chunked, or until close).
 */
public final class RawHttp implements AutoCloseable {
    /** One response; header names lower-cased. */
    public record Response(int status, Map<String, String> headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = socket.getInputStream();
    }

    /** Connects to the server of {@code base}; reads give up after {@code readTimeout}. */
    public static RawHttp connect(URI base, Duration readTimeout) throws IOException {
        Socket s = new Socket(base.getHost(), base.getPort());
        s.setSoTimeout((int) readTimeout.toMillis());
        s.setTcpNoDelay(true);
        return new RawHttp(s);
    }

    /** Sends the request head and then {@code body} in one go, and reads the response. */
    public static Response exchange(URI base, String head, byte[] body) throws IOException {
        try (RawHttp c = connect(base, Duration.ofSeconds(30))) {
            c.send(head.getBytes(StandardCharsets.ISO_8859_1));
            c.send(body);
            return c.readResponse();
        }
    }

    /** {@code METHOD path HTTP/1.1}, Host, Connection: close and the given header lines, each ending CRLF. */
    public static String head(String method, URI base, String path, String... headers) {
        StringBuilder b = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                + "\r\nConnection: close\r\n");
        for (String h : headers) b.append(h).append("\r\n");
        return b.append("\r\n").toString();
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Half-closes: the server sees the end of the body stream. */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Whether the server already answered or closed (bytes or end of stream are waiting). */
    public boolean serverSpoke() throws IOException {
        return in.available() > 0;
    }

    public Response readResponse() throws IOException {
        String status = line();
        if (status == null) throw new IOException("the server closed the connection without a response");
        String[] parts = status.split(" ", 3);
        int code = Integer.parseInt(parts[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l; (l = line()) != null && !l.isEmpty(); ) {
            int colon = l.indexOf(':');
            headers.put(l.substring(0, colon).strip().toLowerCase(Locale.ROOT), l.substring(colon + 1).strip());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (headers.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (int n; (n = Integer.parseInt(line().split(";")[0].strip(), 16)) > 0; ) {
                body.write(in.readNBytes(n));
                line();
            }
        } else {
            in.transferTo(body);
        }
        return new Response(code, headers, body.toByteArray());
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') if (c != '\r') b.write(c);
        if (c < 0 && b.size() == 0) return null;
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
