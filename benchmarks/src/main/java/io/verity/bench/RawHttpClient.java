package io.verity.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The thinnest HTTP/1.1 client for load runs: one blocking keep-alive socket (TCP_NODELAY), the request's
 * head and body in one write, the answer read on the calling thread. The JDK HttpClient hands every request
 * across its selector and executor threads; this one does not, so the difference between the two, against
 * the same server, is the client's cost and not the server's. Not thread-safe: one per worker.
 */
final class RawHttpClient implements AutoCloseable {
    private final URI base;
    private Socket socket;
    private OutputStream out;
    private InputStream in;

    RawHttpClient(URI base) {
        this.base = base;
    }

    /** A request: the status and the body; throws on a transport failure (the connection is then reopened). */
    record Answer(int status, byte[] body) {}

    Answer post(String path, byte[] body) throws IOException {
        return exchange("POST", path, body);
    }

    Answer get(String path) throws IOException {
        return exchange("GET", path, null);
    }

    private Answer exchange(String method, String path, byte[] body) throws IOException {
        boolean reused = socket != null;
        try {
            return send(method, path, body);
        } catch (EOFException | java.net.SocketException e) {
            if (!reused) throw e;
            return send(method, path, body); // the server closed the idle keep-alive connection: once more, anew
        }
    }

    private Answer send(String method, String path, byte[] body) throws IOException {
        if (socket == null) open();
        String head = method + " " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort() + "\r\n"
                + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n") + "\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + (body == null ? 0 : body.length)];
        System.arraycopy(h, 0, all, 0, h.length);
        if (body != null) System.arraycopy(body, 0, all, h.length, body.length);
        try {
            out.write(all);
            out.flush();
            return readAnswer();
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    private void open() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
        socket.setSoTimeout(30_000);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
    }

    private Answer readAnswer() throws IOException {
        String status = line();
        int code = Integer.parseInt(status.split(" ", 3)[1]);
        long length = -1;
        boolean chunked = false;
        for (String l; !(l = line()).isEmpty(); ) {
            String lower = l.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) length = Long.parseLong(l.substring(15).strip());
            if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) chunked = true;
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (int size; (size = Integer.parseInt(line().split(";", 2)[0].strip(), 16)) > 0; ) {
                body.write(in.readNBytes(size));
                line();
            }
            while (!line().isEmpty()) {} // trailers
        } else if (length >= 0) {
            byte[] b = in.readNBytes((int) length);
            if (b.length < length) throw new EOFException("answer cut short");
            body.write(b);
        } else {
            throw new IOException("an answer with neither Content-Length nor chunked encoding");
        }
        return new Answer(code, body.toByteArray());
    }

    private String line() throws IOException {
        StringBuilder s = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) throw new EOFException("connection closed");
            if (c != '\r') s.append((char) c);
        }
        return s.toString();
    }

    @Override
    public void close() throws IOException {
        if (socket != null) socket.close();
        socket = null;
    }
}
