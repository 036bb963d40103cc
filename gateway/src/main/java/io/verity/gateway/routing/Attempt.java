package io.verity.gateway.routing;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.wire.GatewayAnswer;
import java.net.URI;

/**
 * One call to one node for one client request, whatever came of it.
 *
 * @param outcome {@code ok}, {@code timeout}, {@code connect-error}, {@code http-<status>}, {@code invalid-receipt},
 *     {@code model-substitution} (a v2 receipt says another model served than asked),
 *     {@code cancelled}, {@code io-error}
 */
public record Attempt(EvmAddress node, URI url, String outcome, double ms, String detail) {
    /** The outcome of a caught model substitution. */
    public static final String SUBSTITUTION = "model-substitution";

    /** As the client reads it, in an answer or a problem. */
    public GatewayAnswer.Attempt toWire() {
        return new GatewayAnswer.Attempt(node, url, outcome, ms, detail);
    }

    boolean ok() {
        return outcome.equals("ok");
    }
}
