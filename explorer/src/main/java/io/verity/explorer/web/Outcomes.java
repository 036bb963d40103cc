package io.verity.explorer.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.verity.explorer.index.Store;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The public record of outcomes (issue 16): per node and per model, receipts settled, audits failed,
 * disagreements, disputes opened, won and lost, slashes. Chain facts come from the index (BatchCommitted,
 * Slashed, EquivocationSlashed, DisputeOpened, Resolved, OutputsProven); what only a gateway sees (its
 * evidence: outvoted answers, failed audits) from the configured gateway's {@code /v1/evidence}. A count for
 * which no source exists is {@code null} with the reason in {@code notes}, never a zero that reads as "none
 * happened": the gateway does not publish how many audits it ran per model. Substitutions caught are the
 * gateway's evidence of kind {@code substitution} (a v2 receipt naming another served model than asked).
 */
final class Outcomes {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String NOT_RECORDED = "not recorded yet";
    /** The gateway's evidence kind for a substitution it caught. */
    static final String SUBSTITUTION = "substitution";
    /** DisputeGame.State values in Resolved.outcome. */
    private static final int NODE_WON = 4, CHALLENGER_WON = 5, DRAW = 6;
    private static final List<String> EVENTS = List.of("ModelRegistered", "Slashed", "EquivocationSlashed", "DisputeOpened", "Resolved",
            "OutputsProven");

    private final Store store;
    private final GatewayView gateway;
    /** The last record and when it was computed: any request rate costs at most one computation a second. */
    private OutcomeRecord last;
    private long lastAt;

    Outcomes(Store store, GatewayView gateway) {
        this.store = store;
        this.gateway = gateway;
    }

    void routes(JavalinConfig cfg) {
        cfg.routes.get("/outcomes", this::page);
        cfg.routes.get("/api/outcomes", ctx -> ctx.json(record().json()));
        cfg.routes.get("/api/outcomes/nodes/{address}", this::nodeJson);
        cfg.routes.get("/api/outcomes/models/{digest}", this::modelJson);
    }

    /** One node's or one model's counts; mutable while the record is computed. */
    static final class Tally {
        long receipts, batches, auditsFailed, disagreements, substitutions, opened, won, lost, drawn, outputsProven, equivocations, slashes;
        BigInteger slashedWei = BigInteger.ZERO;
        Long auditsRun; // a node's, as its gateway counts them; null when no gateway told (and for models)
        String name; // a model's name@version from ModelRegistered, else as the gateway routes it; null when neither knows

        ObjectNode json(boolean node, boolean gatewaySeen) {
            ObjectNode o = JSON.createObjectNode();
            if (!node) o.put("name", name);
            o.put("receipts", receipts);
            if (node) o.put("batches", batches);
            if (auditsRun != null) o.put("auditsRun", auditsRun); else o.putNull("auditsRun");
            if (gatewaySeen) o.put("auditsFailed", auditsFailed).put("disagreements", disagreements);
            else o.putNull("auditsFailed").putNull("disagreements");
            ObjectNode d = o.putObject("disputes");
            d.put("opened", opened).put("won", won).put("lost", lost).put("drawn", drawn).put("pending", opened - won - lost - drawn);
            o.put("outputsProven", outputsProven).put("equivocationsProven", equivocations).put("slashes", slashes);
            if (node) o.put("slashedWei", slashedWei.toString());
            if (gatewaySeen) o.put("substitutionsCaught", substitutions); else o.putNull("substitutionsCaught");
            return o;
        }
    }

    /** Every node's and model's tally, and whether the gateway's evidence was part of it. */
    record OutcomeRecord(Map<String, Tally> nodes, Map<String, Tally> models, boolean gatewaySeen, Optional<String> gatewayUrl) {
        ObjectNode json() {
            ObjectNode o = JSON.createObjectNode();
            ArrayNode ns = o.putArray("nodes");
            nodes.forEach((a, t) -> ns.add(t.json(true, gatewaySeen).put("address", EvmAddress.parse(a).toString())));
            ArrayNode ms = o.putArray("models");
            models.forEach((d, t) -> ms.add(t.json(false, gatewaySeen).put("digest", d)));
            o.set("notes", notes());
            return o;
        }

        ObjectNode notes() {
            ObjectNode n = JSON.createObjectNode();
            n.put("receipts", "receipts in batches committed on chain whose documents the explorer fetched and checked against the root");
            n.put("auditsRun", (gatewaySeen ? "per node: the sampled audits of its answers gateway " + gatewayUrl.orElse("")
                    + " ran since it started (its /v1/nodes)" : "unknown: no gateway told") + "; per model " + NOT_RECORDED);
            String g = gatewaySeen ? "from the evidence gateway " + gatewayUrl.orElse("") + " published (its newest 1000 entries since it started)"
                    : gatewayUrl.isPresent() ? "unknown: gateway " + gatewayUrl.get() + " did not answer" : "unknown: no gateway configured (--gateway)";
            n.put("auditsFailed", g + "; kind audit-mismatch");
            n.put("disagreements", g + "; every kind: minority, audit-mismatch, unresolved, equivocation");
            n.put("disputes", "DisputeGame games on chain (DisputeOpened, Resolved); per model only for receipts the explorer indexed");
            n.put("outputsProven", "convicted at once by an outputs proof, without a game (OutputsProven)");
            n.put("slashes", "per node: NodeRegistry Slashed events, any cause; per model: equivocations, lost games and outputs proofs on its receipts");
            n.put("substitutionsCaught", (gatewaySeen ? "from the evidence gateway " + gatewayUrl.orElse("") + " published"
                    : "unknown: no gateway told") + "; kind substitution: a v2 receipt naming another served model than the client"
                    + " asked for, refused by the gateway and not paid");
            return n;
        }
    }

    /**
     * The record, recomputed at most once a second: computing it scans the index's events and receipts, so
     * without this a client repeating requests would make the explorer repeat that scan as fast as it asks.
     */
    synchronized OutcomeRecord record() {
        long now = System.nanoTime();
        if (last == null || now - lastAt >= RECOMPUTE_NANOS) {
            last = compute();
            lastAt = now;
        }
        return last;
    }

    private static final long RECOMPUTE_NANOS = java.time.Duration.ofSeconds(1).toNanos();

    OutcomeRecord compute() {
        Map<String, Tally> nodes = new TreeMap<>(), models = new TreeMap<>();
        Function<String, Tally> node = a -> nodes.computeIfAbsent(a.toLowerCase(Locale.ROOT), k -> new Tally());
        Function<String, Tally> model = d -> models.computeIfAbsent(d.toLowerCase(Locale.ROOT), k -> new Tally());
        for (EvmAddress a : store.knownNodes()) node.apply(a.toString());
        for (Store.ReceiptTally r : store.receiptTallies()) {
            node.apply(r.node().toString()).receipts += r.receipts();
            model.apply(r.model().toHex()).receipts += r.receipts();
        }
        store.countsByNode("BatchCommitted").forEach((a, n) -> node.apply(a.toString()).batches = n);

        Map<String, Optional<String>> gameModel = new HashMap<>(); // game id -> the disputed receipt's model, when indexed
        Map<String, String> gameNode = new HashMap<>();
        for (Store.Event e : store.eventsNamed(EVENTS)) {
            JsonNode args = Pages.readTree(e.args());
            // CommitteeDisputes' DisputeOpened and Resolved (disputeId, its own State numbers) are not DisputeGame's
            if ((e.name().equals("DisputeOpened") || e.name().equals("Resolved")) && !args.has("gameId")) continue;
            switch (e.name()) {
                case "ModelRegistered" -> model.apply(args.path("digest").asText()).name = args.path("name").asText() + "@" + args.path("version").asText();
                case "Slashed" -> {
                    Tally t = node.apply(args.path("node").asText());
                    t.slashes++;
                    t.slashedWei = t.slashedWei.add(new BigInteger(args.path("amount").asText("0")));
                }
                case "EquivocationSlashed" -> {
                    node.apply(args.path("node").asText()).equivocations++;
                    Tally m = model.apply(args.path("modelDigest").asText());
                    m.equivocations++;
                    m.slashes++;
                }
                case "DisputeOpened" -> {
                    String game = args.path("gameId").asText();
                    node.apply(args.path("node").asText()).opened++;
                    Optional<String> m = receiptModel(args.path("receiptId").asText());
                    m.ifPresent(d -> model.apply(d).opened++);
                    gameNode.put(game, args.path("node").asText());
                    gameModel.put(game, m);
                }
                case "Resolved" -> {
                    String game = args.path("gameId").asText();
                    if (!gameNode.containsKey(game)) continue; // opened before the deployment block: not ours to count
                    List<Tally> who = new java.util.ArrayList<>(List.of(node.apply(gameNode.get(game))));
                    gameModel.get(game).ifPresent(d -> who.add(model.apply(d)));
                    int outcome = args.path("outcome").asInt(-1);
                    for (Tally t : who) {
                        if (outcome == NODE_WON) t.won++;
                        else if (outcome == CHALLENGER_WON) t.lost++;
                        else if (outcome == DRAW) t.drawn++;
                    }
                    if (outcome == CHALLENGER_WON && who.size() > 1) who.get(1).slashes++;
                }
                case "OutputsProven" -> {
                    node.apply(args.path("node").asText()).outputsProven++;
                    receiptModel(args.path("receiptId").asText()).ifPresent(d -> {
                        model.apply(d).outputsProven++;
                        model.apply(d).slashes++;
                    });
                }
                default -> throw new IllegalStateException("unexpected event " + e.name());
            }
        }

        JsonNode evidence = gateway.get("/v1/evidence");
        boolean seen = !evidence.isMissingNode();
        for (JsonNode e : evidence.path("evidence")) {
            String kind = e.path("kind").asText();
            List<Tally> who = new java.util.ArrayList<>();
            if (!e.path("node").asText().isEmpty()) who.add(node.apply(e.path("node").asText()));
            if (!e.path("model").asText().isEmpty()) who.add(model.apply(e.path("model").asText()));
            for (Tally t : who) {
                if (kind.equals(SUBSTITUTION)) { // one node's answer refused, not a disagreement between nodes
                    t.substitutions++;
                    continue;
                }
                t.disagreements++;
                if (kind.equals("audit-mismatch")) t.auditsFailed++;
            }
        }
        if (seen) {
            for (JsonNode n : gateway.get("/v1/nodes").path("nodes")) {
                if (n.path("audits").canConvertToLong()) node.apply(n.path("address").asText()).auditsRun = n.path("audits").asLong();
            }
        }
                Map<String, String> routed = gateway.modelNames(); // names for models never registered in ModelRegistry (a devnet's)
        models.forEach((d, t) -> {
            if (t.name == null) t.name = routed.get(d);
        });
        return new OutcomeRecord(nodes, models, seen, gateway.url().map(Object::toString));
    }

    private Optional<String> receiptModel(String receiptId) {
        try {
            return store.receipt(Keccak256.parse(receiptId.toLowerCase(Locale.ROOT))).map(r -> r.modelDigest().toHex());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private void nodeJson(Context ctx) {
        EvmAddress a = Pages.address(ctx.pathParam("address"), "address");
        OutcomeRecord r = record();
        Tally t = r.nodes().get(a.toString().toLowerCase(Locale.ROOT));
        if (t == null) throw Problems.notFound("no outcomes for node " + a + ": it appears in no event and no evidence");
        ObjectNode o = t.json(true, r.gatewaySeen()).put("address", a.toString());
        o.set("notes", r.notes());
        ctx.json(o);
    }

    private void modelJson(Context ctx) {
        Keccak256 d = Pages.hash(ctx.pathParam("digest"), "digest");
        OutcomeRecord r = record();
        Tally t = r.models().get(d.toHex());
        if (t == null) throw Problems.notFound("no outcomes for model " + d + ": no registration, receipt or evidence names it");
        ObjectNode o = t.json(false, r.gatewaySeen()).put("digest", d.toHex());
        o.set("notes", r.notes());
        ctx.json(o);
    }

    private void page(Context ctx) {
        OutcomeRecord r = record();
        Html h = new Html().h1("Outcomes");
        h.p("What happened to each node and model: receipts settled, what the gateway caught, disputes and slashes on chain."
                + " \"" + NOT_RECORDED + "\" marks a count no source records; a dash, one the gateway did not tell (none is configured, or it did"
                + " not answer). The notes below say where each count comes from.");
        h.h2("Nodes");
        h.raw("<table class=\"list\" id=\"outcome-nodes\"><tr><th>node</th>" + HEADER + "<th>slashed (ETH)</th></tr>\n");
        r.nodes().forEach((a, t) -> row(h.raw("<tr><td>").a("/nodes/" + EvmAddress.parse(a), Pages.short_(EvmAddress.parse(a).toString()))
                .raw("</td>"), t, r.gatewaySeen()).raw("<td>").text(Pages.eth(t.slashedWei)).raw("</td></tr>\n"));
        h.raw("</table>\n");
        h.h2("Models");
        h.raw("<table class=\"list\" id=\"outcome-models\"><tr><th>model</th>" + HEADER + "</tr>\n");
        r.models().forEach((d, t) -> row(h.raw("<tr><td>").a("/search?q=" + d, t.name != null ? t.name : Pages.short_(d)).raw("</td>"),
                t, r.gatewaySeen()).raw("</tr>\n"));
        h.raw("</table>\n");
        h.h2("Notes");
        h.raw("<dl id=\"outcome-notes\">");
        r.notes().fields().forEachRemaining(n -> h.raw("<dt>").text(n.getKey()).raw("</dt><dd>").text(n.getValue().asText()).raw("</dd>"));
        h.raw("</dl>\n<p>JSON: ").a("/api/outcomes", "/api/outcomes").raw("</p>\n");
        ctx.html(Html.page("Outcomes", "", h.toString()));
    }

    private static final String HEADER = "<th>receipts</th><th>audits run</th><th>audits failed</th><th>disagreements</th>"
            + "<th>disputes opened / won / lost / drawn</th><th>outputs proven</th><th>equivocations</th><th>slashes</th><th>substitutions caught</th>";

    private static Html row(Html h, Tally t, boolean gatewaySeen) {
        String unknown = "<td class=\"muted\" title=\"see the notes\">" + Html.esc(NOT_RECORDED) + "</td>";
        h.raw("<td>").text(t.receipts).raw("</td>");
        if (t.auditsRun != null) h.raw("<td>").text(t.auditsRun).raw("</td>"); else h.raw(unknown);
        if (gatewaySeen) {
            h.raw("<td" + (t.auditsFailed > 0 ? " class=\"bad\"" : "") + ">").text(t.auditsFailed).raw("</td><td>").text(t.disagreements).raw("</td>");
        } else {
            h.raw("<td class=\"muted\">-</td><td class=\"muted\">-</td>");
        }
        h.raw("<td>").text(t.opened + " / " + t.won + " / " + t.lost + " / " + t.drawn).raw("</td><td>").text(t.outputsProven)
                .raw("</td><td>").text(t.equivocations).raw("</td><td" + (t.slashes > 0 ? " class=\"bad\"" : "") + ">").text(t.slashes).raw("</td>");
        if (!gatewaySeen) return h.raw("<td class=\"muted\">-</td>");
        return h.raw("<td" + (t.substitutions > 0 ? " class=\"bad\"" : "") + ">").text(t.substitutions).raw("</td>");
    }
}
