package io.verity.cli.bill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.ChainAccount;
import io.verity.chain.Deployment;
import io.verity.chain.contracts.ChainClients;
import io.verity.cli.ChainOptions;
import io.verity.cli.Main;
import io.verity.cli.TensorFiles;
import io.verity.cli.up.NetworkFile;
import io.verity.client.bill.Channels;
import io.verity.client.bill.PayerBill;
import io.verity.client.bill.TimeRange;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code verity bill}: a payer's paid answers in a time range and, per node, whether its receipts add up to the
 * wei to the payer's latest voucher and to what the node redeemed on chain.
 *
 * <p>Where the receipts come from: a node serves a receipt only by its id, so no node can list a payer's answers,
 * and the payer's gateway keeps none. The explorer can: it indexes every batch committed on chain and keeps the
 * receipts of each batch whose document hashes to the committed root, with their payer (receipt format 2). So the
 * receipts are read from the explorer, but none of its word is taken: each receipt counts only if its EIP-712 id
 * and signature verify under this chain's domain and it names the payer; the vouchers are asked from the nodes
 * (only they hold them) and the redemptions read from the Payments contract. An explorer that left a receipt out
 * shows as a mismatch, never as a bill that adds up.
 */
@Command(name = "bill", mixinStandardHelpOptions = true,
        description = {"A payer's paid answers (receipt, node, model, tokens, price, voucher) and, per node, whether its receipts"
                + " add up to the payer's latest voucher and to what the node redeemed on chain, to the wei.",
                "Exit 0 when every node reconciles, 1 on a mismatch (each printed), 2 for bad input, 3 when the explorer or"
                + " chain cannot be reached."})
public final class BillCommand implements Callable<Integer> {
    enum Format { table, csv, json }

    /** Receipts are fetched whole; a payer with many answers makes a large document. */
    private static final long EXPLORER_BODY_LIMIT = 256L << 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** The most nodes asked for vouchers: the registered ones and the receipts' signers (as verity verify 0x…). */
    static final int MAX_NODES = 256;
    private static final Duration NODE_TIMEOUT = Duration.ofSeconds(10);

    @Option(names = "--payer", required = true, paramLabel = "0xADDRESS", description = "the account that paid (a gateway's client account)")
    String payer;

    @Option(names = "--from", paramLabel = "TIME", description = "list answers from: ISO-8601 (2026-12-07T10:00:00Z), a date, now, or an"
            + " age such as 24h or 7d; default 30d")
    String from;

    @Option(names = "--to", paramLabel = "TIME", description = "list answers up to (same forms); default now")
    String to;

    @Option(names = "--format", paramLabel = "FORMAT", description = "table (default), csv or json")
    Format format = Format.table;

    @Option(names = "--explorer", paramLabel = "URL", description = "the explorer whose index holds the receipts; default the one"
            + " `verity up` runs, else http://127.0.0.1:7080")
    URI explorer;

    @Mixin
    ChainOptions chainOptions = new ChainOptions();

    /** Ends the command with a message on stderr and an exit code. */
    private static final class Stop extends RuntimeException {
        final int exit;

        Stop(int exit, String message) {
            super(message, null, false, false);
            this.exit = exit;
        }
    }

    @Override
    public Integer call() throws Exception {
        try {
            return run();
        } catch (Stop e) {
            System.err.println("verity: " + e.getMessage());
            return e.exit;
        }
    }

    private int run() throws InterruptedException {
        EvmAddress who;
        try {
            who = EvmAddress.parse(payer);
        } catch (IllegalArgumentException e) {
            throw new TensorFiles.UsageError("--payer: must be an address (0x + 40 hex digits), got '" + payer + "': " + e.getMessage());
        }
        TimeRange range = TimeRange.parse(from, to, "30d", Instant.now(), "--from", "--to");
        Deployment deployment = chainOptions.required();
        URI source = explorer != null ? explorer : defaultExplorer();
        List<SignedReceipt> receipts = receipts(who, source, Eip712Domain.verity(deployment.chainId(), deployment.settlement()));
        Channels channels;
        try (ChainClients chain = ChainClients.connect(deployment, ChainAccount.READ_ONLY)) {
            channels = Channels.read(who, receipts.stream().map(r -> r.receipt().node()).distinct().toList(), chain.nodes(),
                    chain.payments(), NODE_TIMEOUT, MAX_NODES);
        }
        PayerBill bill = PayerBill.of(who, range, receipts, channels);
        PrintStream out = System.out;
        switch (format) {
            case json -> {
                ObjectNode o = bill.json();
                o.putObject("sources").put("receipts", source.toString()).put("chainId", deployment.chainId())
                        .put("payments", deployment.payments().toString());
                out.println(o.toPrettyString());
            }
            case csv -> BillText.csv(bill, out);
            case table -> BillText.table(bill, out, source, deployment);
        }
        if (bill.ok()) return 0;
        for (PayerBill.NodeAccount n : bill.nodes()) for (String m : n.mismatches()) System.err.println("verity: MISMATCH: " + m);
        return Main.CHECK_FAILED;
    }

    /** The explorer {@code verity up} runs in this home, else its usual address. */
    private URI defaultExplorer() {
        return NetworkFile.read(chainOptions.homeDir()).flatMap(n -> n.components().stream()
                        .filter(c -> c.name().equals("explorer") && c.url() != null).findFirst())
                .map(c -> URI.create(c.url())).orElse(URI.create("http://127.0.0.1:7080"));
    }

    /** Every receipt the explorer holds for the payer, each checked here: id, signature, domain, payer. */
    private static List<SignedReceipt> receipts(EvmAddress payer, URI explorer, Eip712Domain domain) throws InterruptedException {
        URI api = URI.create(explorer.toString().replaceAll("/+$", "") + "/api/payers/" + payer + "?from=1970-01-01&to=now");
        JsonNode body;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build()) {
            HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(api).timeout(TIMEOUT)
                    .header("Accept", "application/json").build(), HttpResponse.BodyHandlers.ofInputStream());
            try (java.io.InputStream in = r.body()) {
                byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, EXPLORER_BODY_LIMIT + 1));
                if (bytes.length > EXPLORER_BODY_LIMIT) throw new Stop(Main.CHECK_FAILED, "the explorer's answer exceeds " + EXPLORER_BODY_LIMIT + " bytes");
                body = Main.JSON.readTree(bytes);
            }
            if (r.statusCode() != 200) {
                throw new Stop(r.statusCode() == 400 ? Main.USAGE : Main.UNREACHABLE, "the explorer at " + explorer + " answered "
                        + r.statusCode() + " for " + api + ": " + body.path("detail").asText(""));
            }
        } catch (java.io.IOException e) {
            throw new Stop(Main.UNREACHABLE, "cannot read the payer's receipts from the explorer at " + explorer + " (--explorer): "
                    + e.getMessage());
        }
        List<SignedReceipt> out = new ArrayList<>();
        JsonNode answers = body.path("answersInRange");
        for (int i = 0; i < answers.size(); i++) {
            SignedReceipt r;
            try {
                r = ReceiptJson.read(answers.get(i).get("receipt"), "/answersInRange/" + i + "/receipt");
            } catch (RuntimeException e) {
                throw new Stop(Main.CHECK_FAILED, "the explorer at " + explorer + " returned a malformed receipt: " + e.getMessage());
            }
            if (r.verify(domain) instanceof ReceiptVerdict.Invalid bad) {
                throw new Stop(Main.CHECK_FAILED, "the explorer returned receipt " + r.id() + " that does not verify: " + bad.reason());
            }
            if (!r.receipt().isV2() || !r.receipt().v2().payer().equals(payer)) {
                throw new Stop(Main.CHECK_FAILED, "the explorer returned receipt " + r.id() + ", which does not name payer " + payer);
            }
            out.add(r);
        }
        return out;
    }
}
