package io.verity.cli.verify;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.chain.ChainAccount;
import io.verity.chain.Deployment;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.contracts.NodeInfo;
import io.verity.cli.Main;
import io.verity.client.NodeApiClient;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.SignedReceipt;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds a receipt by its id on the network, for {@code verity verify 0x<id>}: from an explorer when the user gave
 * its URL, else by asking every node registered on chain ({@code GET /v1/receipts/{id}}). Whoever answers is a
 * stranger: what it returns counts only if its EIP-712 id is the one asked for, so a node cannot hand over
 * another receipt, and the signature and on-chain checks that follow decide the verdict.
 */
final class ReceiptLookup {
    /** A receipt id, or an explorer's receipt page {@code http(s)://host/receipts/0x<id>}. */
    private static final Pattern ID = Pattern.compile("0x[0-9a-fA-F]{64}");
    private static final Pattern EXPLORER_URL = Pattern.compile("(https?://[^?#]+?)/(?:api/)?receipts/(0x[0-9a-fA-F]{64})/?");
    /** A registry can list any number of nodes, each possibly slow: ask at most this many, all at once, each bounded. */
    static final int MAX_NODES = 256;
    private static final Duration PER_NODE = Duration.ofSeconds(10);
    private static final long EXPLORER_BODY_LIMIT = 1 << 20;

    /** What the user named: a bare id, or an explorer page. */
    record Target(Keccak256 id, Optional<URI> explorer) {}

    /** The receipt and where it came from, for the report. */
    record Found(SignedReceipt receipt, String source) {}

    private ReceiptLookup() {}

    /** The target named by a command-line argument, or empty when the argument is not an id or explorer URL (a file). */
    static Optional<Target> parse(String arg) {
        if (ID.matcher(arg).matches()) return Optional.of(new Target(Keccak256.parse(arg), Optional.empty()));
        Matcher m = EXPLORER_URL.matcher(arg);
        if (m.matches()) return Optional.of(new Target(Keccak256.parse(m.group(2)), Optional.of(URI.create(m.group(1)))));
        return Optional.empty();
    }

    /** The receipt, or empty with the places asked printed to stderr. */
    static Optional<Found> find(Target target, Optional<Deployment> deployment) {
        if (target.explorer().isPresent()) return fromExplorer(target.id(), target.explorer().get());
        if (deployment.isEmpty()) return Optional.empty();
        return fromNodes(target.id(), deployment.get());
    }

    private static Optional<Found> fromExplorer(Keccak256 id, URI explorer) {
        URI api = URI.create(explorer + "/api/receipts/" + id.toHex());
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(PER_NODE).build()) {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(api).timeout(PER_NODE).header("Accept", "application/json").build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 404) {
                System.err.println("verity: the explorer at " + explorer + " has no receipt " + id + " (it lists receipts once their batch is settled)");
                return Optional.empty();
            }
            if (r.statusCode() != 200 || r.body().length > EXPLORER_BODY_LIMIT) {
                System.err.println("verity: the explorer at " + explorer + " answered " + r.statusCode() + " for " + api);
                return Optional.empty();
            }
            return matching(id, Main.JSON.readTree(r.body()), "the explorer at " + explorer);
        } catch (java.io.IOException e) {
            System.err.println("verity: cannot reach the explorer at " + explorer + ": " + e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Every registered node at once (virtual threads), the first that holds a receipt with this id wins. */
    private static Optional<Found> fromNodes(Keccak256 id, Deployment deployment) {
        List<String> endpoints = new ArrayList<>();
        try (ChainClients chain = ChainClients.connect(deployment, ChainAccount.READ_ONLY)) {
            List<EvmAddress> nodes = chain.nodes().registeredNodes();
            for (EvmAddress a : nodes.subList(0, Math.min(nodes.size(), MAX_NODES))) {
                chain.nodes().node(a).map(NodeInfo::endpoint).filter(e -> e.startsWith("http://") || e.startsWith("https://"))
                        .ifPresent(endpoints::add);
            }
            if (nodes.size() > MAX_NODES) {
                System.err.println("verity: the registry lists " + nodes.size() + " nodes; asking the first " + MAX_NODES);
            }
        }
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
                HttpClient http = HttpClient.newBuilder().connectTimeout(PER_NODE).executor(pool).build()) {
            List<CompletableFuture<Optional<Found>>> asks = endpoints.stream() // one client for all: not one per node
                    .map(e -> CompletableFuture.supplyAsync(() -> fromNode(id, e, http), pool)).toList();
            CompletableFuture<Found> first = new CompletableFuture<>();
            // "none" only after every answer was looked at: allOf over the asks themselves could run its callback
            // before the callback that hands over the one answer that found it
            List<CompletableFuture<Void>> seen = asks.stream().map(f -> f.thenAccept(o -> o.ifPresent(first::complete))).toList();
            CompletableFuture.allOf(seen.toArray(CompletableFuture[]::new)).whenComplete((v, t) -> first.complete(null));
            Found found = first.get(PER_NODE.toSeconds() * 2, TimeUnit.SECONDS);
            pool.shutdownNow(); // the answer is in: stop asking the slow ones
            if (found == null) {
                System.err.println("verity: none of the " + endpoints.size() + " registered nodes has receipt " + id);
            }
            return Optional.ofNullable(found);
        } catch (java.util.concurrent.TimeoutException e) {
            System.err.println("verity: no registered node returned receipt " + id + " in time");
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (java.util.concurrent.ExecutionException e) {
            return Optional.empty();
        }
    }

    private static Optional<Found> fromNode(Keccak256 id, String endpoint, HttpClient http) {
        try {
            return NodeApiClient.of(URI.create(endpoint), PER_NODE, http).receipt(id).filter(r -> r.id().equals(id))
                    .map(r -> new Found(r, "the node at " + endpoint));
        } catch (RuntimeException e) { // unreachable, malformed: another node may have it
            return Optional.empty();
        }
    }

    private static Optional<Found> matching(Keccak256 id, JsonNode json, String source) {
        SignedReceipt r;
        try {
            r = ReceiptJson.read(json, "");
        } catch (RuntimeException e) {
            System.err.println("verity: " + source + " returned no valid receipt: " + e.getMessage());
            return Optional.empty();
        }
        if (!r.id().equals(id)) {
            System.err.println("verity: " + source + " returned receipt " + r.id() + " when asked for " + id);
            return Optional.empty();
        }
        return Optional.of(new Found(r, source));
    }
}
