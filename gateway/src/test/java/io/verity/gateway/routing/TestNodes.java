package io.verity.gateway.routing;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/** Nodes as discovery would leave them, for unit tests of the packages that route over them. */
public final class TestNodes {
    public static final Keccak256 MODEL = Keccak256.hash(new byte[] {1});

    private TestNodes() {}

    /** Registered with a stake of 1 ether, healthy, serving {@link #MODEL}; measured once at {@code latencyMs} when positive. */
    public static NodeState node(int i, long priceWei, double latencyMs) {
        NodeState n = node(EvmAddress.wrap(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) i}),
                URI.create("http://127.0.0.1:" + (7000 + i)), priceWei, MODEL);
        if (latencyMs > 0) n.recordSuccess(latencyMs);
        return n;
    }

    /** Registered with a stake of 1 ether, healthy, serving {@code model}. */
    public static NodeState node(EvmAddress address, URI url, long priceWei, Keccak256 model) {
        NodeState n = new NodeState(address, url);
        register(n, priceWei, BigInteger.TEN.pow(18), List.of(model));
        n.updateHealth(true, "ok", Optional.of(List.of(new NodeState.ServedModel("m", "1", model))));
        return n;
    }

    /** As a registry read of {@code n} would update it. */
    public static void register(NodeState n, long priceWei, BigInteger stake, List<Keccak256> models) {
        n.updateRegistration(n.url(), BigInteger.valueOf(priceWei), stake, models);
    }

    /** A node with no registry entry yet. */
    public static NodeState unregistered(EvmAddress address, URI url) {
        return new NodeState(address, url);
    }

    public static void deregister(NodeState n) {
        n.deregister();
    }
}
