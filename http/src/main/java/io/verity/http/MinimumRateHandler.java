package io.verity.http;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Fails a request body that arrives slower than {@code minRate} bytes per second on average since the request
 * began (after a one-second grace): the next read sees a {@link TimeoutException}, which the servers answer
 * with 408. The idle timeout cuts a client that stops; this cuts one that trickles. Jetty's own
 * {@code MinimumDataRateHandler} is not used: it divides the bytes of every request the server has read by one
 * request's time, so on a server that has served anything at all it never fires.
 */
final class MinimumRateHandler extends Handler.Wrapper {
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final long minRate;

    MinimumRateHandler(long minRate) {
        this.minRate = minRate;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        return super.handle(new Metered(request), response, callback);
    }

    private final class Metered extends Request.Wrapper {
        private long bytes;
        private volatile Content.Chunk failure;

        Metered(Request request) {
            super(request);
        }

        @Override
        public Content.Chunk read() {
            Content.Chunk f = failure;
            if (f != null) return f;
            Content.Chunk c = super.read();
            if (c != null) bytes += c.remaining();
            return c;
        }

        @Override
        public void demand(Runnable onData) {
            long elapsed = System.nanoTime() - getBeginNanoTime();
            if (elapsed > GRACE_NANOS && bytes * 1_000_000_000L / elapsed < minRate) {
                failure = Content.Chunk.from(new TimeoutException("the request body arrived at "
                        + bytes * 1_000_000_000L / elapsed + " bytes/s, below the minimum of " + minRate));
                onData.run(); // the reader wakes up to the failure
                return;
            }
            super.demand(onData);
        }
    }
}
