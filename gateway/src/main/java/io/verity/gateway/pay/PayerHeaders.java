package io.verity.gateway.pay;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.json.VoucherJson;
import io.verity.protocol.receipt.PayerAuth;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;

/**
 * The headers that name the gateway's paying account to a node and prove, per request, that the gateway sent it
 * ({@link PayerAuth}): a node serves a payer within its credit only on such proof, so nobody else can spend it.
 * None for a gateway that does not pay.
 */
public final class PayerHeaders {
    private final Optional<NodeKey> payer;
    private final InstantSource clock;

    private PayerHeaders(Optional<NodeKey> payer, InstantSource clock) {
        this.payer = payer;
        this.clock = clock;
    }

    public static PayerHeaders of(Optional<NodeKey> payer, InstantSource clock) {
        return new PayerHeaders(payer, clock);
    }

    /** For one request to {@code node}: a fresh proof each time (a node accepts each once). */
    public Map<String, String> to(EvmAddress node) {
        return payer.map(k -> Map.of(VoucherJson.PAYER_HEADER, k.address().toString(),
                PayerAuth.HEADER, PayerAuth.sign(k, node, clock.millis()).header())).orElse(Map.of());
    }
}
