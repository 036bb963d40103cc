package io.verity.client;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read into memory up to a bound: a server that announces or sends more fails the exchange with
 * an {@link IOException} instead of filling the caller's heap. A node is a stranger to the SDK and the gateway
 * alike, and one answer without an end must cost them a failed call, not the process.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final long max;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    private BoundedBody(long max) {
        this.max = max;
    }

    /** Reads bodies of at most {@code max} bytes; a longer one, or a {@code Content-Length} over it, fails. */
    static HttpResponse.BodyHandler<byte[]> handler(long max) {
        return info -> {
            long announced = info.headers().firstValueAsLong("Content-Length").orElse(-1);
            BoundedBody body = new BoundedBody(max);
            if (announced > max) body.result.completeExceptionally(tooLarge(max, "announced " + announced + " bytes"));
            return body;
        };
    }

    /**
     * A body to read as it comes (a stream of server-sent events) that fails its read once past {@code max} bytes;
     * a larger {@code Content-Length} fails the first read.
     */
    static HttpResponse.BodyHandler<InputStream> streamHandler(long max) {
        return info -> {
            long announced = info.headers().firstValueAsLong("Content-Length").orElse(-1);
            return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofInputStream(),
                    in -> new Capped(in, max, announced));
        };
    }

    /** Counts what is read through it; past the bound every read fails. */
    private static final class Capped extends FilterInputStream {
        private final long max;
        private final long announced;
        private long read;

        Capped(InputStream in, long max, long announced) {
            super(in);
            this.max = max;
            this.announced = announced;
        }

        @Override
        public int read() throws IOException {
            if (!roomLeft()) return -1;
            int b = super.read();
            if (b >= 0) read++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (!roomLeft()) return -1;
            int n = super.read(b, off, (int) Math.min(len, max - read));
            if (n > 0) read += n;
            return n;
        }

        /** False at the end of a body of exactly {@code max} bytes; fails once the body holds more. */
        private boolean roomLeft() throws IOException {
            if (announced > max) throw tooLarge(max, "announced " + announced + " bytes");
            if (read < max) return true;
            if (super.read() < 0) return false;
            throw tooLarge(max, "sent more");
        }
    }

    private static IOException tooLarge(long max, String what) {
        return new IOException("the answer is over " + max + " bytes (" + what + ")");
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (result.isDone()) s.cancel();
        else s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) return;
        for (ByteBuffer b : items) {
            if (bytes.size() + (long) b.remaining() > max) {
                subscription.cancel();
                result.completeExceptionally(tooLarge(max, "sent more"));
                return;
            }
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            bytes.writeBytes(chunk);
        }
    }

    @Override
    public void onError(Throwable t) {
        result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        result.complete(bytes.toByteArray());
    }
}
