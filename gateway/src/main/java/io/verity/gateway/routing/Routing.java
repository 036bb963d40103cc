package io.verity.gateway.routing;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Orders the nodes that can serve a model, best first. Each node's cost is a weighted sum of three terms
 * in [0, 1]: its latency (EWMA, scaled by the slowest candidate and inflated by requests in flight, so load
 * spreads), its price (scaled by the dearest candidate) and its distrust (1 − reputation). A node never
 * measured, or not measured for {@link NodeState#STALE_NANOS}, counts as fastest, so it gets tried (again).
 *
 * @param latency weight of latency
 * @param price weight of price
 * @param reputation weight of distrust
 */
public record Routing(double latency, double price, double reputation) {
    public static final Routing DEFAULT = new Routing(1.0, 0.5, 1.0);

    public Routing {
        if (!(latency >= 0 && price >= 0 && reputation >= 0) || latency + price + reputation == 0) {
            throw new IllegalArgumentException("routing weights must be >= 0 and not all 0, got latency=" + latency
                    + " price=" + price + " reputation=" + reputation);
        }
    }

    /** Parses {@code latency=1,price=0.5,reputation=1}; missing keys keep their defaults. */
    public static Routing parse(String text) {
        double l = DEFAULT.latency, p = DEFAULT.price, r = DEFAULT.reputation;
        for (String part : text.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) throw new IllegalArgumentException("routing weights: expected key=value, got '" + part + "'");
            double v;
            try {
                v = Double.parseDouble(kv[1].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("routing weight " + kv[0] + " must be a number, got '" + kv[1] + "'");
            }
            switch (kv[0].strip()) {
                case "latency" -> l = v;
                case "price" -> p = v;
                case "reputation" -> r = v;
                default -> throw new IllegalArgumentException("unknown routing weight '" + kv[0] + "', expected latency, price, reputation");
            }
        }
        return new Routing(l, p, r);
    }

    public List<NodeState> rank(Collection<NodeState> nodes, Keccak256 model, Set<EvmAddress> exclude, Instant now) {
        List<NodeState> candidates = new ArrayList<>();
        for (NodeState n : nodes) if (!exclude.contains(n.address) && n.canServe(model, now)) candidates.add(n);
        double maxLatency = 0;
        BigInteger maxPrice = BigInteger.ZERO;
        for (NodeState n : candidates) {
            double l = effectiveLatency(n);
            if (l > maxLatency) maxLatency = l;
            if (n.price().compareTo(maxPrice) > 0) maxPrice = n.price();
        }
        double ml = maxLatency;
        BigInteger mp = maxPrice;
        candidates.sort(Comparator.comparingDouble((NodeState n) -> cost(n, ml, mp)).thenComparing(n -> n.address.toString()));
        return candidates;
    }

    private double cost(NodeState n, double maxLatency, BigInteger maxPrice) {
        double l = maxLatency == 0 ? 0 : effectiveLatency(n) / maxLatency;
        double p = maxPrice.signum() == 0 ? 0 : n.price().doubleValue() / maxPrice.doubleValue();
        return latency * l + price * p + reputation * (1 - n.reputation());
    }

    private static double effectiveLatency(NodeState n) {
        double l = n.routingLatencyMs(System.nanoTime());
        return Double.isNaN(l) ? 0 : l * (1 + n.inflight.get());
    }
}
