package io.verity.explorer.web;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.contracts.PaymentsClient;
import io.verity.client.bill.Channels;
import io.verity.client.bill.PayerBill;
import io.verity.client.bill.TimeRange;
import io.verity.explorer.index.Store;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.wire.Problem;
import io.verity.protocol.wire.ProblemException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A payer's bill (issue 16), the one {@code verity bill} prints: its paid answers in a time range and, per node,
 * whether its receipts add up to its latest voucher and to what the node redeemed on chain. Receipts come from
 * the index (those of settled batches whose documents hash to the committed root), redemptions from the Payments
 * contract, the latest vouchers from the nodes themselves (only they hold them). Asking the nodes and the chain
 * costs, so one bill is computed at a time, each (payer, range as written) at most once a second, and the newest
 * {@value #CACHED} are kept.
 */
final class Payers {
    static final int CACHED = 64;
    private static final long RECOMPUTE_NANOS = Duration.ofSeconds(1).toNanos();
    /** How long a node may take to say which voucher it holds. */
    private static final Duration NODE_TIMEOUT = Duration.ofSeconds(5);
    /** The page lists at most this many answers; the JSON has them all. */
    static final int PAGE_ROWS = 1000;

    private final Store store;
    private final NodeRegistryClient registry;
    private final PaymentsClient payments;
    private final PayerLimits limits;

    private record Key(String payer, String from, String to) {}

    private record Computed(PayerBill bill, long at) {}

    private final Map<Key, Computed> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Computed> eldest) {
            return size() > CACHED;
        }
    };

    Payers(Store store, NodeRegistryClient registry, PaymentsClient payments, PayerLimits limits) {
        this.store = store;
        this.registry = registry;
        this.payments = payments;
        this.limits = limits;
    }

    void routes(JavalinConfig cfg) {
        cfg.routes.get("/payers/{address}", this::page);
        cfg.routes.get("/api/payers/{address}", ctx -> {
            PayerBill b = bill(ctx);
            ObjectNode o = b.json();
            o.put("notes", NOTES);
            ctx.json(o);
        });
    }

    static final String NOTES = "receipts: format-2 receipts naming the payer in batches committed on chain (settled); latestVoucher:"
            + " what the node says it holds (GET /v1/vouchers/{payer}), null when it did not answer; redeemed: Payments.redeemed"
            + " on chain; every node's receipts must add up to its latest voucher to the wei";

    private PayerBill bill(Context ctx) {
        EvmAddress payer = Pages.address(ctx.pathParam("address"), "address");
        String from = ctx.queryParam("from"), to = ctx.queryParam("to");
        TimeRange range;
        try {
            range = TimeRange.parse(from, to, "1970-01-01", Instant.now(), "from", "to");
        } catch (TimeRange.BadTime e) {
            throw Problems.badParam(e.name, e.getMessage());
        }
        Key key = new Key(payer.toString(), String.valueOf(from), String.valueOf(to));
        synchronized (this) {
            Computed c = cache.get(key);
            if (c == null || System.nanoTime() - c.at() >= RECOMPUTE_NANOS) {
                c = new Computed(compute(payer, range), System.nanoTime());
                cache.put(key, c);
            }
            return c.bill();
        }
    }

    private PayerBill compute(EvmAddress payer, TimeRange range) {
        List<Store.StoredReceipt> stored = store.payerReceipts(payer, limits.maxReceipts() + 1);
        if (stored.size() > limits.maxReceipts()) {
            throw new ProblemException(Problem.of("too-many-receipts", "Too many receipts", 422, "payer " + payer + " has more than "
                    + limits.maxReceipts() + " receipts, more than this explorer reconciles (--payer-max-receipts)"));
        }
        List<SignedReceipt> receipts = stored.stream().map(r -> ReceiptJson.read(Pages.readTree(r.json()), "")).toList();
        Channels channels;
        try {
            channels = Channels.read(payer, receipts.stream().map(r -> r.receipt().node()).distinct().toList(), registry, payments,
                    NODE_TIMEOUT, limits.maxNodes());
        } catch (IllegalArgumentException e) {
            throw new ProblemException(Problem.of("too-many-nodes", "Too many nodes", 422, e.getMessage() + " (--payer-max-nodes)"));
        } catch (RuntimeException e) { // the chain did not answer: no bill rather than one without the chain's side
            throw new ProblemException(Problem.of("chain-unavailable", "Chain unavailable", 503,
                    "cannot read NodeRegistry or Payments: " + e.getMessage()));
        }
        return PayerBill.of(payer, range, receipts, channels);
    }

    private void page(Context ctx) {
        PayerBill b = bill(ctx);
        Html h = new Html().h1("Payer " + b.payer());
        h.p("Paid answers from " + b.from() + " to " + b.to() + " (?from=&to=: ISO-8601, a date, now, or an age such as 24h or 7d),"
                + " and per node whether the payer's receipts add up to its latest voucher and to what the node redeemed on chain.");
        h.raw("<p id=\"payer-verdict\" class=\"" + (b.ok() ? "ok" : "bad") + "\">")
                .text(b.ok() ? "RECONCILED: every node's receipts add up to its latest voucher, to the wei" : "MISMATCH").raw("</p>\n");
        h.h2("Nodes");
        h.raw("<table class=\"list\" id=\"payer-nodes\"><tr><th>node</th><th>receipts</th><th>receipts sum (wei)</th>"
                + "<th>charged in range (wei)</th><th>latest voucher (wei)</th><th>redeemed on chain (wei)</th><th>unredeemed (wei)</th>"
                + "<th>reconciled</th></tr>\n");
        for (PayerBill.NodeAccount n : b.nodes()) {
            h.raw("<tr><td>").a("/nodes/" + n.node(), Pages.short_(n.node().toString())).raw("</td><td>").text(n.receipts())
                    .raw("</td><td>").text(n.receiptsSum()).raw("</td><td>").text(n.chargedInRange()).raw("</td><td>")
                    .text(n.latestVoucher().map(Object::toString).orElse("-")).raw("</td><td>").text(n.redeemed()).raw("</td><td>")
                    .text(n.unredeemed().map(Object::toString).orElse("-")).raw("</td><td class=\"" + (n.ok() ? "ok" : "bad") + "\">")
                    .text(n.ok() ? "yes" : String.join("; ", n.mismatches())).raw("</td></tr>\n");
        }
        h.raw("</table>\n");
        h.h2("Answers (" + b.lines().size() + ", " + b.chargedInRange() + " wei)");
        h.raw("<table class=\"list\" id=\"payer-answers\"><tr><th>time</th><th>receipt</th><th>node</th><th>model asked / served</th>"
                + "<th>tokens in / out</th><th>price (wei)</th><th>voucher (wei)</th></tr>\n");
        List<PayerBill.Line> shown = b.lines().size() > PAGE_ROWS ? b.lines().subList(b.lines().size() - PAGE_ROWS, b.lines().size()) : b.lines();
        for (PayerBill.Line l : shown.reversed()) {
            h.raw("<tr><td>").text(l.at()).raw("</td><td>").a("/receipts/" + l.id().toHex(), Pages.short_(l.id().toHex()))
                    .raw("</td><td>").a("/nodes/" + l.node(), Pages.short_(l.node().toString())).raw("</td><td>")
                    .text(l.v2().requestedModel() + " / " + l.v2().servedModel()).raw("</td><td>")
                    .text(l.v2().promptTokens() + " / " + l.v2().completionTokens()).raw("</td><td>").text(l.price())
                    .raw("</td><td>").text(l.voucher()).raw("</td></tr>\n");
        }
        h.raw("</table>\n");
        if (shown.size() < b.lines().size()) h.p("The newest " + PAGE_ROWS + " are shown; the JSON lists all.");
        h.raw("<p>JSON: ").a("/api/payers/" + b.payer() + Optional.ofNullable(ctx.queryString()).map(q -> "?" + q).orElse(""),
                "/api/payers/" + b.payer()).raw("</p>\n");
        ctx.html(Html.page("Payer " + b.payer(), "", h.toString()));
    }
}
