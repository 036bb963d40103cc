package io.verity.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The transport attacks every Verity server must answer with a 4xx (never a 500, never a hang), sent over
 * {@link RawHttp} because {@code java.net.http} refuses to send them; shared by the node's, the gateway's and
 * the shared hardening's tests.
 */
public final class HostileRequests {
    private HostileRequests() {}

    /** A JSON POST whose chunked body breaks off in a chunk size that is not hex. */
    public static RawHttp.Response malformedChunks(URI base, String path) throws IOException {
        String head = RawHttp.head("POST", base, path, "Content-Type: application/json", "Transfer-Encoding: chunked");
        return RawHttp.exchange(base, head, "5\r\n{\"mod\r\nZZ\r\nel\":1}\r\n0\r\n\r\n".getBytes(StandardCharsets.UTF_8));
    }

    /** A JSON POST that promises 500 bytes, sends {@code partial} and half-closes: the body ends early. */
    public static RawHttp.Response truncated(URI base, String path, String partial) throws IOException {
        try (RawHttp c = RawHttp.connect(base, Duration.ofSeconds(30))) {
            c.send((RawHttp.head("POST", base, path, "Content-Type: application/json", "Content-Length: 500") + partial)
                    .getBytes(StandardCharsets.UTF_8));
            c.shutdownOutput();
            return c.readResponse();
        }
    }

    /**
     * The answer to a JSON POST of {@code length} bytes whose body trickles in one space every 250 ms, on a
     * connection of its own. The server must cut it off: an {@link AssertionError} if the whole body got in.
     */
    public static RawHttp.Response trickled(URI base, String path, int length) throws IOException, InterruptedException {
        try (RawHttp c = RawHttp.connect(base, Duration.ofSeconds(30))) {
            if (!trickle(c, base, path, length)) throw new AssertionError("the server let a trickled body of " + length
                    + " bytes run to its end instead of cutting it off");
            return c.readResponse();
        }
    }

    /**
     * Sends the head of a JSON POST of {@code length} bytes on {@code c}, then its body one space every 250 ms
     * (the hostile client's pace, not a wait for the server) until the server answers or closes.
     *
     * @return whether the server cut the trickle off before the body was complete
     */
    private static boolean trickle(RawHttp c, URI base, String path, int length) throws IOException, InterruptedException {
        c.send(RawHttp.head("POST", base, path, "Content-Type: application/json", "Content-Length: " + length)
                .getBytes(StandardCharsets.ISO_8859_1));
        for (int i = 0; i < length; i++) {
            try {
                c.send(new byte[] {' '});
            } catch (IOException closed) {
                return true;
            }
            if (c.serverSpoke()) return true;
            Thread.sleep(250);
        }
        return false;
    }
}
