/**
 * What node, gateway, explorer and clients agree on at the HTTP boundary beyond the JSON forms of
 * {@link io.verity.protocol.json}: where a failure came from ({@link io.verity.protocol.wire.FailureSource}).
 */
package io.verity.protocol.wire;
