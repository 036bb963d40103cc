package io.verity.client.bill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.ReceiptV2;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One payer's bill: the paid answers in a time range, and per node the reconciliation of all its receipts for
 * the payer against the channel. Vouchers are cumulative since the channel opened, so the reconciliation always
 * covers every receipt (the range only chooses which answers are listed and what {@code chargedInRange} sums).
 *
 * @param lines the answers in [from, to], oldest first
 * @param nodes every node the payer has receipts from, or a voucher or redemption with, by address
 */
public record PayerBill(EvmAddress payer, Instant from, Instant to, List<Line> lines, List<NodeAccount> nodes) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Comparator<SignedReceipt> SIGNING_ORDER = Comparator
            .comparingLong((SignedReceipt r) -> r.receipt().timestamp()).thenComparing(r -> r.id().toHex());

    public PayerBill {
        Objects.requireNonNull(payer, "payer");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        lines = List.copyOf(lines);
        nodes = List.copyOf(nodes);
    }

    /**
     * A paid answer.
     *
     * @param voucher the cumulative voucher amount that pays for it: the node's running total of this payer's
     *     receipts through this one (in signing order), so any voucher at or above it covers the answer
     */
    public record Line(SignedReceipt receipt, BigInteger voucher) {
        public Keccak256 id() {
            return receipt.id();
        }

        public EvmAddress node() {
            return receipt.receipt().node();
        }

        public Instant at() {
            return Instant.ofEpochMilli(receipt.receipt().timestamp());
        }

        public BigInteger price() {
            return receipt.receipt().price();
        }

        public ReceiptV2 v2() {
            return receipt.receipt().v2();
        }

        ObjectNode json() {
            ObjectNode o = JSON.createObjectNode();
            o.put("id", id().toHex()).put("node", node().toString()).put("at", at().toString());
            o.put("requestedModel", v2().requestedModel()).put("servedModel", v2().servedModel()).put("provider", v2().provider());
            o.put("modelDigest", receipt.receipt().modelDigest().toHex());
            o.put("promptTokens", v2().promptTokens()).put("completionTokens", v2().completionTokens());
            o.put("price", price().toString()).put("voucher", voucher.toString());
            o.put("cumulativeAtSigning", v2().cumulativeAmount().toString());
            o.set("receipt", ReceiptJson.write(receipt));
            return o;
        }
    }

    /**
     * One node's side of the channel.
     *
     * @param receipts how many receipts of the payer the node signed (all time)
     * @param receiptsSum what they charged, wei
     * @param chargedInRange what the listed ones (in [from, to]) charged, wei
     * @param highestAtSigning the highest {@code cumulativeAmount} a receipt says the node's vouchers covered when it signed
     * @param latestVoucher the highest cumulative voucher the node holds from the payer; empty when it could not be asked
     * @param redeemed what the node redeemed on chain ({@code Payments.redeemed(payer, node)})
     */
    public record NodeAccount(EvmAddress node, long receipts, BigInteger receiptsSum, BigInteger chargedInRange,
            BigInteger highestAtSigning, Optional<BigInteger> latestVoucher, BigInteger redeemed) {
        /** The latest voucher beyond what was redeemed: owed to the node, still in the payer's escrow. */
        public Optional<BigInteger> unredeemed() {
            return latestVoucher.map(v -> v.subtract(redeemed));
        }

        /** What does not add up, each a sentence; empty when the node's account reconciles to the wei. */
        public List<String> mismatches() {
            List<String> out = new ArrayList<>();
            if (latestVoucher.isEmpty()) {
                out.add("node " + node + " did not say which voucher it holds (unreachable), so its receipts cannot be checked against it");
                if (redeemed.compareTo(receiptsSum) > 0) {
                    out.add("node " + node + " redeemed " + redeemed + " wei on chain but its receipts add up to " + receiptsSum + " wei");
                }
                return out;
            }
            BigInteger v = latestVoucher.get();
            int c = receiptsSum.compareTo(v);
            if (c < 0) {
                out.add("the payer's latest voucher to node " + node + " is " + v + " wei but its receipts add up to " + receiptsSum
                        + " wei: " + v.subtract(receiptsSum) + " wei paid that no receipt backs (a receipt withheld, or not settled yet)");
            } else if (c > 0) {
                out.add("node " + node + "'s receipts add up to " + receiptsSum + " wei but the payer's latest voucher is " + v
                        + " wei: " + receiptsSum.subtract(v) + " wei of receipts the payer did not pay for (answers refused, or a voucher not sent yet)");
            }
            if (redeemed.compareTo(v) > 0) {
                out.add("node " + node + " redeemed " + redeemed + " wei on chain, more than the latest voucher it holds (" + v + " wei)");
            }
            if (highestAtSigning.compareTo(v) > 0) {
                out.add("a receipt of node " + node + " says its vouchers covered " + highestAtSigning + " wei, more than the latest voucher ("
                        + v + " wei)");
            }
            return out;
        }

        public boolean ok() {
            return mismatches().isEmpty();
        }

        ObjectNode json() {
            ObjectNode o = JSON.createObjectNode();
            o.put("node", node.toString()).put("receipts", receipts).put("receiptsSum", receiptsSum.toString())
                    .put("chargedInRange", chargedInRange.toString());
            if (latestVoucher.isPresent()) o.put("latestVoucher", latestVoucher.get().toString()); else o.putNull("latestVoucher");
            o.put("redeemed", redeemed.toString());
            if (unredeemed().isPresent()) o.put("unredeemed", unredeemed().get().toString()); else o.putNull("unredeemed");
            o.put("ok", ok());
            ArrayNode m = o.putArray("mismatches");
            mismatches().forEach(m::add);
            return o;
        }
    }

    /**
     * Reconciles {@code receipts} (every receipt of the payer that could be found, any range; v1 receipts and those
     * of other payers are ignored) against each node's channel.
     *
     * @param channels per node, the latest voucher it holds from the payer and what it redeemed
     */
    public static PayerBill of(EvmAddress payer, TimeRange range, Collection<SignedReceipt> receipts, Channels channels) {
        Map<EvmAddress, Optional<BigInteger>> vouchers = channels.vouchers();
        Map<EvmAddress, BigInteger> redeemed = channels.redeemed();
        Map<Keccak256, SignedReceipt> unique = new LinkedHashMap<>();
        for (SignedReceipt r : receipts) {
            if (r.receipt().isV2() && r.receipt().v2().payer().equals(payer)) unique.putIfAbsent(r.id(), r);
        }
        List<SignedReceipt> ordered = new ArrayList<>(unique.values());
        ordered.sort(SIGNING_ORDER);
        Map<String, NodeTotals> totals = new TreeMap<>();
        List<Line> lines = new ArrayList<>();
        for (SignedReceipt r : ordered) {
            NodeTotals t = totals.computeIfAbsent(key(r.receipt().node()), k -> new NodeTotals(r.receipt().node()));
            t.count++;
            t.sum = t.sum.add(r.receipt().price());
            t.highestAtSigning = t.highestAtSigning.max(r.receipt().v2().cumulativeAmount());
            if (range.contains(Instant.ofEpochMilli(r.receipt().timestamp()))) {
                t.inRange = t.inRange.add(r.receipt().price());
                lines.add(new Line(r, t.sum));
            }
        }
        // A node with neither receipts nor a redemption is on the bill only when it says it holds a voucher: one that did
        // not answer (down, or gone from the network) has nothing on record for this payer.
        vouchers.forEach((n, v) -> {
            if (v.isPresent() && v.get().signum() > 0) totals.computeIfAbsent(key(n), k -> new NodeTotals(n));
        });
        redeemed.forEach((n, v) -> {
            if (v.signum() > 0) totals.computeIfAbsent(key(n), k -> new NodeTotals(n));
        });
        List<NodeAccount> nodes = new ArrayList<>();
        for (NodeTotals t : totals.values()) {
            nodes.add(new NodeAccount(t.node, t.count, t.sum, t.inRange, t.highestAtSigning,
                    vouchers.getOrDefault(t.node, Optional.of(BigInteger.ZERO)), redeemed.getOrDefault(t.node, BigInteger.ZERO)));
        }
        return new PayerBill(payer, range.from(), range.to(), lines, nodes);
    }

    private static final class NodeTotals {
        final EvmAddress node;
        long count;
        BigInteger sum = BigInteger.ZERO, inRange = BigInteger.ZERO, highestAtSigning = BigInteger.ZERO;

        NodeTotals(EvmAddress node) {
            this.node = node;
        }
    }

    private static String key(EvmAddress a) {
        return a.toString().toLowerCase(java.util.Locale.ROOT);
    }

    /** Every node's account reconciles to the wei. */
    public boolean ok() {
        return nodes.stream().allMatch(NodeAccount::ok);
    }

    /** What was charged for the listed answers, wei. */
    public BigInteger chargedInRange() {
        return lines.stream().map(Line::price).reduce(BigInteger.ZERO, BigInteger::add);
    }

    /** The bill as {@code verity bill --format json} prints it and the explorer's {@code /api/payers/{address}} answers. */
    public ObjectNode json() {
        ObjectNode o = JSON.createObjectNode();
        o.put("payer", payer.toString()).put("from", from.toString()).put("to", to.toString());
        o.put("ok", ok()).put("answers", lines.size()).put("chargedInRange", chargedInRange().toString());
        ArrayNode ns = o.putArray("nodes");
        nodes.forEach(n -> ns.add(n.json()));
        ArrayNode ls = o.putArray("answersInRange");
        lines.forEach(l -> ls.add(l.json()));
        return o;
    }
}
