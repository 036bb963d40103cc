package io.verity.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
