package io.verity.cli.bill;

import io.verity.chain.Deployment;
import io.verity.client.bill.PayerBill;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** {@code verity bill}'s table and CSV: the answers in the range, then the reconciliation per node. */
final class BillText {
    private BillText() {}

    static final List<String> ANSWER_COLUMNS = List.of("time", "receipt", "node", "requested model", "served model", "prompt tokens",
            "completion tokens", "price (wei)", "voucher (wei)");
    /** The table's answer columns: one model column (asked, and what served when it differs), tokens in/out. */
    static final List<String> ANSWER_TABLE_COLUMNS = List.of("time", "receipt", "node", "model", "tokens in/out", "price (wei)",
            "voucher (wei)");
    static final List<String> NODE_COLUMNS = List.of("node", "receipts", "receipts sum (wei)", "charged in range (wei)",
            "latest voucher (wei)", "redeemed on chain (wei)", "unredeemed (wei)", "reconciled");

    static void table(PayerBill bill, PrintStream out, URI explorer, Deployment deployment) {
        out.println("Bill of payer " + bill.payer() + ", answers from " + bill.from() + " to " + bill.to());
        out.println("receipts: the explorer at " + explorer + ", each verified here; vouchers: the nodes; redeemed: Payments "
                + deployment.payments() + " on chain " + deployment.chainId());
        out.println();
        List<List<String>> rows = new ArrayList<>();
        for (PayerBill.Line l : bill.lines()) {
            String asked = shortHash(l.v2().requestedModel()), served = shortHash(l.v2().servedModel());
            rows.add(List.of(l.at().toString(), l.id().toHex(), l.node().toString(), asked.equals(served) ? asked : asked + " -> " + served,
                    l.v2().promptTokens() + "/" + l.v2().completionTokens(), l.price().toString(), l.voucher().toString()));
        }
        print(out, ANSWER_TABLE_COLUMNS, rows);
        out.println(bill.lines().size() + " answer(s), " + bill.chargedInRange() + " wei");
        out.println();
        print(out, NODE_COLUMNS, nodes(bill));
        out.println();
        out.println(bill.ok() ? "RECONCILED: every node's receipts add up to its latest voucher, to the wei"
                : "MISMATCH: the receipts do not add up (below)");
    }

    /** Two CSV tables (RFC 4180), answers then nodes, separated by an empty line. */
    static void csv(PayerBill bill, PrintStream out) {
        csvRows(out, ANSWER_COLUMNS, answers(bill));
        out.print("\r\n");
        csvRows(out, NODE_COLUMNS, nodes(bill));
    }

    /** A model named by its 32-byte digest (the gateway asks tensor nodes by digest), shortened for the table. */
    static String shortHash(String model) {
        return model.matches("0x[0-9a-fA-F]{64}") ? model.substring(0, 10) + "…" + model.substring(62) : model;
    }

    private static List<List<String>> answers(PayerBill bill) {
        List<List<String>> rows = new ArrayList<>();
        for (PayerBill.Line l : bill.lines()) {
            rows.add(List.of(l.at().toString(), l.id().toHex(), l.node().toString(), l.v2().requestedModel(), l.v2().servedModel(),
                    String.valueOf(l.v2().promptTokens()), String.valueOf(l.v2().completionTokens()), l.price().toString(),
                    l.voucher().toString()));
        }
        return rows;
    }

    private static List<List<String>> nodes(PayerBill bill) {
        List<List<String>> rows = new ArrayList<>();
        for (PayerBill.NodeAccount n : bill.nodes()) {
            rows.add(List.of(n.node().toString(), String.valueOf(n.receipts()), n.receiptsSum().toString(), n.chargedInRange().toString(),
                    n.latestVoucher().map(Object::toString).orElse("unknown"), n.redeemed().toString(),
                    n.unredeemed().map(Object::toString).orElse("unknown"), n.ok() ? "yes" : "NO"));
        }
        return rows;
    }

    private static void print(PrintStream out, List<String> header, List<List<String>> rows) {
        int[] width = new int[header.size()];
        for (int i = 0; i < width.length; i++) width[i] = header.get(i).length();
        for (List<String> r : rows) for (int i = 0; i < width.length; i++) width[i] = Math.max(width[i], r.get(i).length());
        out.println(line(header, width));
        for (List<String> r : rows) out.println(line(r, width));
    }

    private static String line(List<String> cells, int[] width) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) sb.append("  ");
            sb.append(i == cells.size() - 1 ? cells.get(i) : String.format("%-" + width[i] + "s", cells.get(i)));
        }
        return sb.toString();
    }

    private static void csvRows(PrintStream out, List<String> header, List<List<String>> rows) {
        out.print(csvLine(header));
        for (List<String> r : rows) out.print(csvLine(r));
    }

    private static String csvLine(List<String> cells) {
        List<String> quoted = new ArrayList<>();
        for (String c : cells) {
            quoted.add(c.contains(",") || c.contains("\"") || c.contains("\n") || c.contains("\r") ? "\"" + c.replace("\"", "\"\"") + "\"" : c);
        }
        return String.join(",", quoted) + "\r\n";
    }
}
