package io.verity.gateway.routing;

import io.verity.protocol.EvmAddress;
import java.net.URI;

/**
 * One call to one node for one client request, whatever came of it.
 *
 * @param outcome {@code ok}, {@code timeout}, {@code connect-error}, {@code http-<status>}, {@code invalid-receipt},
 *     {@code cancelled}, {@code io-error}
 */
public record Attempt(EvmAddress node, URI url, String outcome, double ms, String detail) {
    boolean ok() {
        return outcome.equals("ok");
    }
}
