package io.verity.explorer.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.verity.chain.Deployment;
import io.verity.chain.contracts.DisputeClient;
import io.verity.chain.contracts.NodeInfo;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.contracts.PaymentsClient;
import io.verity.explorer.index.Indexer;
import io.verity.explorer.index.Store;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.merkle.MerkleBatch;
import io.verity.protocol.wire.ProblemException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The explorer's pages (server-rendered HTML) and the small JSON API the receipt verifier in the browser
 * uses. Live state (stake, price, endpoint, attestation) is read from NodeRegistry on each request; history
 * comes from the index; latency and availability from the gateway when one is configured.
 */
public final class Pages {
    private static final Logger LOG = LoggerFactory.getLogger(Pages.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Keccak256 ZERO = Keccak256.parse("0x" + "0".repeat(64));

    private final Deployment deployment;
    private final Store store;
    private final Indexer indexer;
    private final NodeRegistryClient registry;
    private final GatewayView gateway;
    private final Payers payers;
    private final DisputeView disputes;

    /** Pages over what {@code indexer} indexed: its deployment and its store. */
    public Pages(Indexer indexer, NodeRegistryClient registry, GatewayView gateway, PaymentsClient payments, PayerLimits payerLimits,
                 Optional<DisputeClient> games) {
        this.disputes = new DisputeView(games);
        this.indexer = indexer;
        this.payers = new Payers(indexer.store(), registry, payments, payerLimits);
        this.deployment = indexer.deployment();
        this.store = indexer.store();
        this.registry = registry;
        this.gateway = gateway;
    }

    /**
     * Sent with every answer (a before-handler; Javalin runs it for static files and errors too). Pages hold chain-controlled text, so
     * even if some escaping were ever missed, no inline or foreign script runs, nothing is framed, and the
     * browser does not sniff JSON into HTML.
     */
    public static final Map<String, String> SECURITY_HEADERS = Map.of(
            "Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';"
                    + " form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            "X-Content-Type-Options", "nosniff",
            "X-Frame-Options", "DENY", // frame-ancestors for browsers that predate CSP 2
            "Referrer-Policy", "no-referrer");

    public void routes(JavalinConfig cfg) {
        cfg.routes.before(ctx -> SECURITY_HEADERS.forEach(ctx::header));
        cfg.routes.get("/", this::overview);
        cfg.routes.get("/nodes/{address}", this::node);
        cfg.routes.get("/batches/{id}", this::batch);
        cfg.routes.get("/receipts/{id}", this::receipt);
        cfg.routes.get("/tx/{hash}", this::tx);
        cfg.routes.get("/search", this::search);
        cfg.routes.get("/verify", this::verify);
        cfg.routes.get("/api/status", this::status);
        cfg.routes.get("/api/events", this::eventsJson);
        cfg.routes.get("/api/receipts/{id}", this::receiptJson);
        cfg.routes.get("/api/receipts/{id}/context", this::receiptContext);
        new Outcomes(store, gateway).routes(cfg);
        payers.routes(cfg);
        cfg.routes.exception(ProblemException.class, (e, ctx) -> Problems.send(ctx, e.problem()));
        cfg.routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("unexpected error on {} {}", ctx.method(), ctx.path(), e);
            Problems.send(ctx, Problems.internal());
        });
        cfg.routes.error(404, ctx -> {
            if (ctx.res().getContentType() == null || ctx.res().getContentType().startsWith("text/plain")) {
                Problems.send(ctx, Problems.notFound("no page " + ctx.path()).problem());
            }
        });
    }

    // ---- overview -----------------------------------------------------------------------------------------

    private void overview(Context ctx) {
        Html h = new Html().h1("Network overview");
        h.raw("<table class=\"kv\" id=\"chain\">")
                .row("chain", Html.esc("id " + deployment.chainId() + " at " + deployment.rpcUrl()))
                .row("indexed through block", Html.esc(store.checkpoint().isPresent() ? store.checkpoint().getAsLong() - 1 : "-")
                        + " (head " + Html.esc(indexer.head()) + ")" + indexer.lastError().map(e -> " <span class=\"bad\">" + Html.esc(e) + "</span>").orElse(""))
                .row("contracts", "NodeRegistry " + Html.code(deployment.nodeRegistry()) + "<br>Settlement " + Html.code(deployment.settlement())
                        + "<br>ModelRegistry " + Html.code(deployment.modelRegistry()) + "<br>Payments " + Html.code(deployment.payments()))
                .row("gateway", gateway.url().map(u -> Html.external(u.toString())).orElse("none configured"));
        Map<String, Long> counts = store.eventCounts(Optional.empty());
        h.row("batches settled", Html.esc(counts.getOrDefault("BatchCommitted", 0L)))
                .row("receipts indexed", Html.esc(store.receiptCount(Optional.empty())))
                .row("vouchers redeemed", Html.esc(counts.getOrDefault("VoucherRedeemed", 0L)))
                .row("disputes / slashes", Html.esc(counts.getOrDefault("EquivocationSlashed", 0L) + counts.getOrDefault("DisputeOpened", 0L)
                        + " / " + counts.getOrDefault("Slashed", 0L)) + " (" + Html.link("/outcomes", "outcomes per node and model") + ")")
                .raw("</table>\n");

        h.h2("Nodes");
        h.raw("<table class=\"list\" id=\"nodes\"><tr><th>node (operator)</th><th>endpoint</th><th>stake (ETH)</th><th>price (µETH)</th>"
                + "<th>attestation</th><th>models</th><th>latency</th><th>available</th><th>batches</th><th>receipts</th><th>slashes</th></tr>\n");
        List<NodeInfo> nodes = liveNodes();
        for (NodeInfo n : nodes) {
            Optional<EvmAddress> who = Optional.of(n.address());
            JsonNode g = gateway.node(n.address().toString());
            Map<String, Long> c = store.eventCounts(who);
            h.raw("<tr class=\"node\"><td>").a("/nodes/" + n.address(), n.address()).raw(n.active() ? "" : " <span class=\"bad\">inactive</span>")
                    .raw("</td><td>").text(n.endpoint()).raw("</td><td>").text(eth(n.stake()))
                    .raw("</td><td>").text(microEth(n.price())).raw("</td><td>").raw(attestation(n.attestationDigest()))
                    .raw("</td><td>").raw(models(n, g)).raw("</td><td>").text(g.isMissingNode() || g.path("latencyMs").isNull() ? "-" : g.path("latencyMs").asText() + " ms")
                    .raw("</td><td>").raw(availability(g)).raw("</td><td>").text(c.getOrDefault("BatchCommitted", 0L))
                    .raw("</td><td>").text(store.receiptCount(who)).raw("</td><td>").text(c.getOrDefault("Slashed", 0L)).raw("</td></tr>\n");
        }
        h.raw("</table>\n");
        if (nodes.isEmpty()) h.p("No node has registered yet.");

        h.h2("Models");
        h.raw("<table class=\"list\" id=\"models\"><tr><th>model</th><th>digest</th><th>nodes</th></tr>\n");
        Map<String, List<NodeInfo>> byDigest = new TreeMap<>();
        for (NodeInfo n : nodes) for (Keccak256 m : n.models()) byDigest.computeIfAbsent(m.toHex(), k -> new ArrayList<>()).add(n);
        Map<String, String> names = gateway.modelNames();
        byDigest.forEach((digest, ns) -> h.raw("<tr><td>").text(names.getOrDefault(digest, "?")).raw("</td><td>")
                .a("/search?q=" + digest, digest).raw("</td><td>").text(ns.size()).raw("</td></tr>\n"));
        h.raw("</table>\n");

        h.h2("Latest batches");
        batchTable(h, store.batches(Optional.empty(), 10));
        h.h2("Latest events");
        eventTable(h, store.events(Optional.empty(), 15));
        ctx.html(Html.page("Overview", "", h.toString()));
    }

    /** Every registered node as NodeRegistry says now; from the index alone when the chain does not answer. */
    private List<NodeInfo> liveNodes() {
        List<NodeInfo> out = new ArrayList<>();
        try {
            for (EvmAddress a : registry.registeredNodes()) registry.node(a).ifPresent(out::add);
        } catch (RuntimeException e) {
            LOG.debug("registry unreadable", e);
        }
        return out;
    }

    private static String models(NodeInfo n, JsonNode g) {
        if (g.has("models") && g.get("models").size() > 0) {
            List<String> ms = new ArrayList<>();
            g.get("models").forEach(m -> ms.add(m.asText()));
            return Html.esc(String.join(", ", ms));
        }
        return Html.esc(n.models().size() + " registered");
    }

    private static String availability(JsonNode g) {
        if (g.isMissingNode()) return "<span class=\"muted\">no gateway view</span>";
        boolean healthy = g.path("healthy").asBoolean();
        String rate = "error rate " + g.path("errorRate").asText("?");
        return healthy ? "<span class=\"ok\">up</span> (" + Html.esc(rate) + ")" : "<span class=\"bad\">down</span> (" + Html.esc(g.path("health").asText()) + ")";
    }

    private static String attestation(Keccak256 digest) {
        return digest.equals(ZERO) ? "<span class=\"muted\">none</span>" : "<span class=\"ok\" title=\"" + Html.esc(digest) + "\">TEE "
                + Html.esc(digest.toHex().substring(0, 10)) + "…</span>";
    }

    // ---- node ---------------------------------------------------------------------------------------------

    private void node(Context ctx) {
        EvmAddress a = address(ctx.pathParam("address"), "address");
        Optional<NodeInfo> live = Optional.empty();
        try {
            live = registry.node(a);
        } catch (RuntimeException e) {
            LOG.debug("registry unreadable", e);
        }
        List<Store.Event> events = store.events(Optional.of(a), 200);
        if (live.isEmpty() && events.isEmpty()) throw Problems.notFound("no node " + a + " on this network");
        Html h = new Html().h1("Node " + a);
        h.raw("<table class=\"kv\" id=\"node\">");
        live.ifPresent(n -> h.row("endpoint", Html.esc(n.endpoint())).row("state", n.active() ? "<span class=\"ok\">active</span>" : "<span class=\"bad\">inactive</span>")
                .row("stake", Html.esc(eth(n.stake()) + " ETH" + (n.unbonding().signum() > 0 ? ", unbonding " + eth(n.unbonding()) : "")))
                .row("price", Html.esc(microEth(n.price()) + " µETH per inference")).row("attestation", attestation(n.attestationDigest()))
                .row("registered", Html.esc(n.registeredAt())).row("last heartbeat", Html.esc(n.lastSeen())));
        JsonNode g = gateway.node(a.toString());
        h.row("latency", Html.esc(g.isMissingNode() || g.path("latencyMs").isNull() ? "-" : g.path("latencyMs").asText() + " ms"))
                .row("availability", availability(g));
        h.raw("</table>\n");

        Map<String, Long> c = store.eventCounts(Optional.of(a));
        long dissents = g.path("dissents").asLong(0), answers = g.path("answers").asLong(0);
        List<JsonNode> evidence = new ArrayList<>();
        for (JsonNode e : gateway.get("/v1/evidence").path("evidence")) if (e.path("node").asText().equalsIgnoreCase(a.toString())) evidence.add(e);
        h.h2("Verification history");
        h.raw("<table class=\"kv\" id=\"history\">")
                .row("audits passed", Html.esc(g.isMissingNode() ? "-" : Long.toString(Math.max(0, answers - dissents))))
                .row("audits failed", "<span class=\"" + (dissents > 0 ? "bad" : "ok") + "\">" + Html.esc(g.isMissingNode() ? "-" : Long.toString(dissents)) + "</span>")
                .row("evidence at the gateway", Html.esc(evidence.size()))
                .row("disputes opened (games) / equivocations proven", Html.esc(c.getOrDefault("DisputeOpened", 0L) + " / "
                        + c.getOrDefault("EquivocationSlashed", 0L)) + " (" + Html.link("/outcomes", "all outcomes") + ")")
                .row("slashes", Html.esc(c.getOrDefault("Slashed", 0L)))
                .row("batches / receipts settled", Html.esc(c.getOrDefault("BatchCommitted", 0L) + " / " + store.receiptCount(Optional.of(a))))
                .row("vouchers redeemed", Html.esc(c.getOrDefault("VoucherRedeemed", 0L)))
                .raw("</table>\n");

        List<Store.Batch> batches = store.batches(Optional.of(a), 60);
        h.h2("Receipts settled over time");
        h.raw(chart(batches));
        h.h2("Batches");
        batchTable(h, batches.subList(0, Math.min(20, batches.size())));
        h.h2("Recent receipts");
        receiptTable(h, store.recentReceipts(Optional.of(a), 20));
        if (!evidence.isEmpty()) {
            h.h2("Evidence");
            h.raw("<table class=\"list\"><tr><th>at</th><th>kind</th><th>request</th><th>policy</th></tr>");
            for (JsonNode e : evidence) {
                h.raw("<tr><td>").text(e.path("at").asText()).raw("</td><td class=\"bad\">").text(e.path("kind").asText()).raw("</td><td>")
                        .a("/search?q=" + Html.param(e.path("requestId").asText()), e.path("requestId").asText()).raw("</td><td>").text(e.path("policy").asText()).raw("</td></tr>");
            }
            h.raw("</table>\n");
        }
        h.h2("Events");
        eventTable(h, events);
        ctx.html(Html.page("Node " + a, "", h.toString()));
    }

    /** An inline SVG bar chart: one bar per batch (oldest left), height = receipts in it, labelled with time. */
    static String chart(List<Store.Batch> newestFirst) {
        if (newestFirst.isEmpty()) return "<p class=\"muted\">No batches yet.</p>\n";
        List<Store.Batch> bs = new ArrayList<>(newestFirst).reversed();
        int w = 640, hgt = 140, pad = 20;
        long max = bs.stream().mapToLong(Store.Batch::count).max().orElse(1);
        double bw = (double) (w - 2 * pad) / bs.size();
        StringBuilder s = new StringBuilder("<svg class=\"chart\" id=\"chart\" width=\"" + w + "\" height=\"" + hgt + "\" role=\"img\" aria-label=\"receipts per batch\">");
        for (int i = 0; i < bs.size(); i++) {
            Store.Batch b = bs.get(i);
            double bh = (hgt - 2.0 * pad) * b.count() / Math.max(1, max);
            s.append(String.format(java.util.Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>batch %d: %d receipts at %s</title></rect>",
                    pad + i * bw + 1, hgt - pad - bh, Math.max(1, bw - 2), bh, b.batchId(), b.count(), Html.esc(Instant.ofEpochSecond(b.timestamp()))));
        }
        s.append("<text x=\"").append(pad).append("\" y=\"").append(hgt - 4).append("\">").append(Html.esc(Instant.ofEpochSecond(bs.getFirst().timestamp())))
                .append("</text><text x=\"").append(w - pad).append("\" y=\"").append(hgt - 4).append("\" text-anchor=\"end\">")
                .append(Html.esc(Instant.ofEpochSecond(bs.getLast().timestamp()))).append("</text><text x=\"").append(pad).append("\" y=\"12\">max ")
                .append(max).append(" receipts/batch</text></svg>\n");
        return s.toString();
    }

    // ---- batch, receipt, tx -------------------------------------------------------------------------------

    private void batch(Context ctx) {
        long id;
        try {
            id = Long.parseLong(ctx.pathParam("id"));
            if (id < 0) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            throw Problems.badParam("id", "batch id must be a non-negative integer, got '" + ctx.pathParam("id") + "'");
        }
        Store.Batch b = store.batch(id).orElseThrow(() -> Problems.notFound("no batch " + id + " indexed"));
        Html h = new Html().h1("Batch " + id);
        h.raw("<table class=\"kv\" id=\"batch\">").row("root", Html.code(b.root())).row("node", Html.link("/nodes/" + b.node(), b.node()))
                .row("receipts", Html.esc(b.count())).row("committed in", "block " + Html.esc(b.blockNumber()) + ", tx " + Html.link("/tx/" + b.txHash(), b.txHash()))
                .row("time", Html.esc(Instant.ofEpochSecond(b.timestamp()))).row("document", Html.external(b.uri()))
                .row("fetched", b.fetched() ? "<span class=\"ok\">yes, ids hash to the root</span>"
                        : "<span class=\"bad\">not yet" + (b.fetchError() == null ? "" : ": " + Html.esc(b.fetchError())) + "</span>")
                .raw("</table>\n");
        h.h2("Receipts");
        receiptTable(h, store.receiptsOfBatch(id));
        ctx.html(Html.page("Batch " + id, "", h.toString()));
    }

    private void receipt(Context ctx) {
        Keccak256 id = hash(ctx.pathParam("id"), "id");
        Store.StoredReceipt r = store.receipt(id).orElseThrow(() -> Problems.notFound("no receipt " + id + " in a settled batch"));
        JsonNode json = readTree(r.json());
        Html h = new Html().h1("Receipt");
        h.raw("<table class=\"kv\" id=\"receipt\">").row("id", Html.code(r.id())).row("node", Html.link("/nodes/" + r.node(), r.node()))
                .row("request", Html.link("/search?q=" + r.requestId(), r.requestId())).row("model", Html.link("/search?q=" + r.modelDigest(), r.modelDigest()))
                .row("engine", Html.esc(json.path("engine").asText())).row("verification", Html.esc(json.path("verification").asText()))
                .row("price", Html.esc(json.path("price").asText() + " wei")).row("time", Html.esc(Instant.ofEpochMilli(r.timestamp())))
                .row("trace root", traceRootCell(json))
                .row("batch", Html.link("/batches/" + r.batchId(), r.batchId()));
        disputes.of(r.id()).ifPresent(d -> h.row("dispute", d));
        h.raw("</table>\n");
        h.h2("Verification (runs in your browser)");
        h.raw("<ol class=\"steps\" id=\"steps\"><li>running…</li></ol>\n<div id=\"verdict\"></div>\n");
        h.h2("Receipt JSON");
        h.raw("<pre id=\"receipt-json\">").text(json.toPrettyString()).raw("</pre>\n");
        h.raw(scripts()); // verify.js finds #receipt-json and checks it
        ctx.html(Html.page("Receipt " + r.id(), "", h.toString()));
    }

    /** The stored receipt's traceRoot in words; the JSON below shows it as signed. */
    private static String traceRootCell(JsonNode receipt) {
        try {
            return DisputeView.traceRoot(Keccak256.parse(receipt.path("traceRoot").asText()));
        } catch (IllegalArgumentException e) { // the index holds only receipts that parsed; kept readable regardless
            return Html.code(receipt.path("traceRoot").asText());
        }
    }

    private void tx(Context ctx) {
        Keccak256 tx = hash(ctx.pathParam("hash"), "hash");
        List<Store.Event> events = store.eventsByTx(tx.toHex());
        if (events.isEmpty()) throw Problems.notFound("no indexed event in transaction " + tx);
        Html h = new Html().h1("Transaction " + tx);
        eventTable(h, events);
        for (Store.Batch b : store.batchesByRootOrTx(tx.toHex())) h.p("").a("/batches/" + b.batchId(), "batch " + b.batchId());
        ctx.html(Html.page("Transaction", "", h.toString()));
    }

    // ---- search -------------------------------------------------------------------------------------------

    private void search(Context ctx) {
        String q = Optional.ofNullable(ctx.queryParam("q")).orElse("").strip();
        Html h = new Html().h1("Search");
        if (q.isEmpty()) throw Problems.badParam("q", "give a receipt id, request id, node address, model digest or tx hash");
        String lower = q.toLowerCase(java.util.Locale.ROOT);
        List<String[]> hits = new ArrayList<>(); // {href, label}
        if (lower.matches("0x[0-9a-f]{40}")) {
            EvmAddress a = address(q, "q");
            if (!store.events(Optional.of(a), 1).isEmpty() || liveNodes().stream().anyMatch(n -> n.address().equals(a))) {
                hits.add(new String[] {"/nodes/" + a, "node " + a});
            }
            if (!store.payerReceipts(a, 1).isEmpty()) hits.add(new String[] {"/payers/" + a, "payer " + a + " (its bill)"});
        } else if (lower.matches("0x[0-9a-f]{64}")) {
            for (Store.StoredReceipt r : store.receiptsMatching(lower, 50)) {
                String why = r.id().toHex().equals(lower) ? "receipt" : r.requestId().toHex().equals(lower) ? "receipt for request" : "receipt of model";
                hits.add(new String[] {"/receipts/" + r.id(), why + " " + r.id() + " (node " + r.node() + ")"});
            }
            if (!store.eventsByTx(lower).isEmpty()) hits.add(new String[] {"/tx/" + lower, "transaction " + lower});
            for (Store.Batch b : store.batchesByRootOrTx(lower)) hits.add(new String[] {"/batches/" + b.batchId(), "batch " + b.batchId() + " (root " + b.root() + ")"});
        } else if (lower.matches("\\d{1,18}")) {
            store.batch(Long.parseLong(lower)).ifPresent(b -> hits.add(new String[] {"/batches/" + b.batchId(), "batch " + b.batchId()}));
        } else {
            throw Problems.badParam("q", "expected 0x + 40 hex digits (node address), 0x + 64 hex digits (receipt id, request id,"
                    + " model digest, tx hash or batch root) or a batch number, got '" + (q.length() > 80 ? q.substring(0, 80) + "…" : q) + "'");
        }
        if (hits.size() == 1 && !"html".equals(ctx.queryParam("list"))) {
            ctx.redirect(hits.getFirst()[0]);
            return;
        }
        if (hits.isEmpty()) {
            ctx.status(404);
            h.p("Nothing indexed matches " + q + ".");
        } else {
            h.raw("<ul id=\"hits\">");
            for (String[] hit : hits) h.raw("<li>").a(hit[0], hit[1]).raw("</li>");
            h.raw("</ul>\n");
        }
        ctx.html(Html.page("Search", q, h.toString()));
    }

    // ---- verify -------------------------------------------------------------------------------------------

    private void verify(Context ctx) {
        Html h = new Html().h1("Verify a receipt");
        h.p("Paste a receipt JSON (a receipt, or a node's {outputs, receipt} answer, or a gateway answer with receipts[]) or drop a file."
                + " The checks run in this browser with ethers; the explorer only supplies the batch and proof it indexed.");
        h.raw("<div id=\"drop\" class=\"drop\"><textarea id=\"paste\" rows=\"14\" cols=\"100\" spellcheck=\"false\""
                + " placeholder=\"{ &quot;id&quot;: &quot;0x…&quot;, … }\"></textarea><br>"
                + "<button id=\"run\">Verify</button> <span class=\"muted\">or drop a .json file here</span></div>\n");
        h.raw("<ol class=\"steps\" id=\"steps\"></ol>\n<div id=\"verdict\"></div>\n");
        h.raw(scripts()); // verify.js finds #paste and wires it
        ctx.html(Html.page("Verify", "", h.toString()));
    }

    /**
     * The verifier's scripts, all served files: the CSP ({@link #SECURITY_HEADERS}) runs no inline script. The
     * chain it checks against travels as a JSON data block, which browsers never execute.
     */
    private String scripts() {
        return "<script type=\"application/json\" id=\"verity-chain\">" + chainJson() + "</script>\n"
                + "<script src=\"/static/ethers.umd.min.js\"></script>\n<script src=\"/static/verify.js\"></script>\n";
    }

    private String chainJson() {
        return JSON.createObjectNode().put("chainId", deployment.chainId()).put("settlement", deployment.settlement().toString()).toString()
                .replace("<", "\\u003c");
    }

    // ---- JSON API -----------------------------------------------------------------------------------------

    private void status(Context ctx) {
        ObjectNode o = JSON.createObjectNode();
        o.put("chainId", deployment.chainId());
        o.put("head", indexer.head());
        var cp = store.checkpoint();
        if (cp.isPresent()) o.put("indexedThrough", cp.getAsLong() - 1); else o.putNull("indexedThrough");
        o.put("reorgs", indexer.reorgs());
        o.put("receipts", store.receiptCount(Optional.empty()));
        o.put("batches", store.eventCounts(Optional.empty()).getOrDefault("BatchCommitted", 0L));
        indexer.lastError().ifPresentOrElse(e -> o.put("error", e), () -> o.putNull("error"));
        ctx.json(o);
    }

    /** Indexed events, newest first: {@code ?node=ADDRESS} for one node's, {@code ?limit=N} (1..10000, default 100). */
    private void eventsJson(Context ctx) {
        Optional<EvmAddress> node = Optional.ofNullable(ctx.queryParam("node")).map(n -> address(n, "node"));
        int limit = 100;
        String l = ctx.queryParam("limit");
        if (l != null) {
            try {
                limit = Integer.parseInt(l);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 10_000) throw Problems.badParam("limit", "must be an integer 1..10000, got '" + l + "'");
        }
        ArrayNode arr = JSON.createArrayNode();
        for (Store.Event e : store.events(node, limit)) {
            ObjectNode o = arr.addObject();
            o.put("block", e.blockNumber()).put("logIndex", e.logIndex()).put("txHash", e.txHash().toHex()).put("contract", e.contract().toString())
                    .put("name", e.name());
            e.node().ifPresentOrElse(n -> o.put("node", n.toString()), () -> o.putNull("node"));
            o.set("args", readTree(e.args()));
            o.put("timestamp", e.timestamp());
        }
        ObjectNode body = JSON.createObjectNode();
        body.set("events", arr);
        ctx.json(body);
    }

    private void receiptJson(Context ctx) {
        Keccak256 id = hash(ctx.pathParam("id"), "id");
        Store.StoredReceipt r = store.receipt(id).orElseThrow(() -> Problems.notFound("no receipt " + id + " in a settled batch"));
        ctx.contentType("application/json").result(r.json());
    }

    /**
     * What the browser needs to check inclusion and attestation for a receipt id: the batch as committed on
     * chain (root from the BatchCommitted event), the Merkle proof from the indexed ids, and the attestation
     * digest the node registered. 404 when the id is in no indexed batch (yet).
     */
    private void receiptContext(Context ctx) {
        Keccak256 id = hash(ctx.pathParam("id"), "id");
        Store.StoredReceipt r = store.receipt(id).orElseThrow(() -> Problems.notFound("receipt " + id + " is in no batch indexed so far"));
        Store.Batch b = store.batch(r.batchId()).orElseThrow(() -> Problems.notFound("batch " + r.batchId() + " vanished (reorg)"));
        List<Keccak256> ids = store.receiptsOfBatch(b.batchId()).stream().map(Store.StoredReceipt::id).toList();
        ObjectNode o = JSON.createObjectNode();
        o.put("receiptId", id.toHex());
        ObjectNode batch = o.putObject("batch");
        batch.put("batchId", b.batchId()).put("root", b.root().toHex()).put("node", b.node().toString()).put("block", b.blockNumber())
                .put("txHash", b.txHash().toHex());
        ArrayNode proof = o.putArray("proof");
        for (Keccak256 p : MerkleBatch.of(ids).proof(id)) proof.add(p.toHex());
        try {
            registry.node(r.node()).ifPresentOrElse(n -> o.put("registeredAttestation", n.attestationDigest().toHex()),
                    () -> o.putNull("registeredAttestation"));
        } catch (RuntimeException e) {
            o.putNull("registeredAttestation");
        }
        ctx.json(o);
    }

    // ---- tables -------------------------------------------------------------------------------------------

    private static void batchTable(Html h, List<Store.Batch> batches) {
        listTable(h, batches, "No batches yet.",
                "<table class=\"list batches\"><tr><th>batch</th><th>node</th><th>receipts</th><th>block</th><th>time</th><th>root</th></tr>\n",
                b -> h.raw("<tr><td>").a("/batches/" + b.batchId(), b.batchId()).raw("</td><td>").a("/nodes/" + b.node(), short_(b.node().toString()))
                        .raw("</td><td>").text(b.count()).raw("</td><td>").text(b.blockNumber()).raw("</td><td>").text(Instant.ofEpochSecond(b.timestamp()))
                        .raw("</td><td>").raw(Html.code(short_(b.root().toHex()))).raw("</td></tr>\n"));
    }

    private static void receiptTable(Html h, List<Store.StoredReceipt> receipts) {
        listTable(h, receipts, "No receipts indexed yet.",
                "<table class=\"list receipts\"><tr><th>receipt</th><th>request</th><th>model</th><th>time</th></tr>\n",
                r -> h.raw("<tr><td>").a("/receipts/" + r.id(), short_(r.id().toHex())).raw("</td><td>").raw(Html.code(short_(r.requestId().toHex())))
                        .raw("</td><td>").raw(Html.code(short_(r.modelDigest().toHex()))).raw("</td><td>").text(Instant.ofEpochMilli(r.timestamp())).raw("</td></tr>\n"));
    }

    private static void eventTable(Html h, List<Store.Event> events) {
        listTable(h, events, "No events yet.",
                "<table class=\"list events\"><tr><th>block</th><th>event</th><th>node</th><th>details</th><th>tx</th></tr>\n", e -> {
                    String cls = e.name().endsWith("Slashed") ? " class=\"bad\"" : "";
                    h.raw("<tr><td>").text(e.blockNumber()).raw("</td><td" + cls + ">").text(e.name()).raw("</td><td>")
                            .raw(e.node().map(n -> Html.link("/nodes/" + n, short_(n.toString()))).orElse("")).raw("</td><td>").raw(Html.code(e.args()))
                            .raw("</td><td>").a("/tx/" + e.txHash(), short_(e.txHash().toHex())).raw("</td></tr>\n");
                });
    }

    /** {@code table} (its opening tag and header row), then one {@code row} per item; {@code empty} alone when there are none. */
    private static <T> void listTable(Html h, List<T> items, String empty, String table, java.util.function.Consumer<T> row) {
        if (items.isEmpty()) {
            h.raw("<p class=\"muted\">" + empty + "</p>\n");
            return;
        }
        h.raw(table);
        items.forEach(row);
        h.raw("</table>\n");
    }

    // ---- parameters and formatting ------------------------------------------------------------------------

    static EvmAddress address(String raw, String param) {
        try {
            return EvmAddress.parse(raw);
        } catch (IllegalArgumentException e) {
            throw Problems.badParam(param, "must be an address (0x + 40 hex digits): " + e.getMessage());
        }
    }

    static Keccak256 hash(String raw, String param) {
        try {
            return Keccak256.parse(raw.toLowerCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Problems.badParam(param, "must be 0x + 64 hex digits: " + e.getMessage());
        }
    }

    static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static String short_(String hex) {
        return hex.length() <= 14 ? hex : hex.substring(0, 8) + "…" + hex.substring(hex.length() - 4);
    }

    public static String eth(BigInteger wei) {
        return new BigDecimal(wei).movePointLeft(18).stripTrailingZeros().toPlainString();
    }

    public static String microEth(BigInteger wei) {
        return new BigDecimal(wei).movePointLeft(12).stripTrailingZeros().toPlainString();
    }
}
