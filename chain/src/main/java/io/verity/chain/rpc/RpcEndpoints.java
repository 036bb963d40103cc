package io.verity.chain.rpc;

import io.reactivex.Flowable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.web3j.protocol.Web3jService;
import org.web3j.protocol.core.BatchRequest;
import org.web3j.protocol.core.BatchResponse;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.http.HttpService;
import org.web3j.protocol.websocket.events.Notification;

/**
 * JSON-RPC over one or several endpoints of the same chain. An RPC URL may list several, comma-separated
 * ({@code "https://a.example,https://b.example"}, in a deployment file or a flag): each call goes to the endpoint
 * that answered last, and on a transport failure (refused, reset, timed out) to the next one, so a provider's
 * outage does not stop a node. An endpoint's RPC error is an answer, not a failure: it is not retried elsewhere.
 * Sending the same signed transaction to two endpoints is harmless (it has one hash).
 */
public final class RpcEndpoints implements Web3jService {
    private final List<String> urls;
    private final List<HttpService> services;
    private volatile int current;

    private RpcEndpoints(List<String> urls) {
        this.urls = urls;
        this.services = urls.stream().map(HttpService::new).toList();
    }

    /**
     * The service for {@code rpcUrl}: plain HTTP for one URL, failover for a comma-separated list.
     *
     * @throws IllegalArgumentException when the list has an empty entry
     */
    public static Web3jService of(String rpcUrl) {
        List<String> urls = Arrays.stream(rpcUrl.split(",", -1)).map(String::strip).toList();
        if (urls.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("rpc URL list has an empty entry: '" + rpcUrl + "'");
        }
        return urls.size() == 1 ? new HttpService(urls.getFirst()) : new RpcEndpoints(urls);
    }

    private interface Call<T> {
        T on(HttpService service) throws IOException;
    }

    private <T> T failover(Call<T> call) throws IOException {
        int start = current;
        IOException last = null;
        for (int i = 0; i < services.size(); i++) {
            int at = (start + i) % services.size();
            try {
                T answer = call.on(services.get(at));
                current = at;
                return answer;
            } catch (IOException e) {
                last = e;
            }
        }
        throw new IOException("none of " + urls + " answered; last: " + last.getMessage(), last);
    }

    @Override
    public <T extends Response> T send(Request request, Class<T> responseType) throws IOException {
        return failover(s -> s.send(request, responseType));
    }

    @Override
    public <T extends Response> CompletableFuture<T> sendAsync(Request request, Class<T> responseType) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return send(request, responseType);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, command -> Thread.ofVirtual().start(command));
    }

    @Override
    public BatchResponse sendBatch(BatchRequest batch) throws IOException {
        return failover(s -> s.sendBatch(batch));
    }

    @Override
    public CompletableFuture<BatchResponse> sendBatchAsync(BatchRequest batch) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return sendBatch(batch);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, command -> Thread.ofVirtual().start(command));
    }

    @Override
    public <T extends Notification<?>> Flowable<T> subscribe(Request request, String unsubscribeMethod, Class<T> responseType) {
        throw new UnsupportedOperationException("subscriptions need a WebSocket endpoint; Verity polls over HTTP");
    }

    @Override
    public void close() throws IOException {
        for (HttpService s : services) s.close();
    }
}
