package io.verity.client.bill;

import io.verity.chain.contracts.NodeInfo;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.contracts.PaymentsClient;
import io.verity.client.NodeApiClient;
import io.verity.protocol.EvmAddress;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What a payer's receipts are reconciled against, per node: the latest voucher the node holds (only the node
 * has it: {@code GET /v1/vouchers/{payer}} at its registered endpoint) and what it redeemed on chain
 * ({@code Payments.redeemed}, read from the contract, not from anyone's word).
 *
 * @param vouchers per node, the highest cumulative voucher it holds; empty when it did not answer
 * @param redeemed per node, {@code Payments.redeemed(payer, node)}
 */
public record Channels(Map<EvmAddress, Optional<BigInteger>> vouchers, Map<EvmAddress, BigInteger> redeemed) {
    public Channels {
        vouchers = Map.copyOf(vouchers);
        redeemed = Map.copyOf(redeemed);
    }

    /**
     * Asks the registered nodes and {@code alsoAsk} (e.g. the signers of the payer's receipts), at most {@code maxNodes}
     * of them, all at once, each within {@code timeout}: a node the registry lists may be slow or gone.
     *
     * @throws IllegalArgumentException when there are more than {@code maxNodes} nodes to ask
     */
    public static Channels read(EvmAddress payer, Collection<EvmAddress> alsoAsk, NodeRegistryClient registry,
            PaymentsClient payments, Duration timeout, int maxNodes) {
        LinkedHashSet<EvmAddress> nodes = new LinkedHashSet<>(alsoAsk);
        nodes.addAll(registry.registeredNodes());
        if (nodes.size() > maxNodes) {
            throw new IllegalArgumentException(nodes.size() + " nodes to ask for the payer's vouchers, more than the " + maxNodes
                    + " allowed");
        }
        Map<EvmAddress, BigInteger> redeemed = new LinkedHashMap<>();
        Map<EvmAddress, Optional<URI>> endpoints = new LinkedHashMap<>();
        for (EvmAddress n : nodes) {
            redeemed.put(n, payments.redeemed(payer, n));
            endpoints.put(n, registry.node(n).map(NodeInfo::endpoint)
                    .filter(e -> e.startsWith("http://") || e.startsWith("https://")).map(URI::create));
        }
        Map<EvmAddress, Optional<BigInteger>> vouchers = new LinkedHashMap<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
                HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).executor(pool).build()) {
            Map<EvmAddress, Future<Optional<BigInteger>>> asks = new LinkedHashMap<>();
            endpoints.forEach((n, url) -> asks.put(n, pool.submit(() -> url.flatMap(u -> held(u, n, payer, timeout, http)))));
            for (var e : asks.entrySet()) {
                try {
                    vouchers.put(e.getKey(), e.getValue().get());
                } catch (java.util.concurrent.ExecutionException notAsked) {
                    vouchers.put(e.getKey(), Optional.empty());
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                    vouchers.put(e.getKey(), Optional.empty());
                }
            }
        }
        return new Channels(vouchers, redeemed);
    }

    /** The node's word on what it holds; a node answering for another address is not that node. */
    private static Optional<BigInteger> held(URI url, EvmAddress node, EvmAddress payer, Duration timeout, HttpClient http) {
        try {
            NodeApiClient.Channel c = NodeApiClient.of(url, timeout, http).channel(payer);
            return c.node().equals(node) && c.client().equals(payer) ? Optional.of(c.held()) : Optional.empty();
        } catch (RuntimeException e) { // unreachable, refused, malformed: unknown, which the bill reports
            return Optional.empty();
        }
    }

    /** Nodes worth listing: those with something in the channel. */
    public List<EvmAddress> nodes() {
        return List.copyOf(vouchers.keySet());
    }
}
