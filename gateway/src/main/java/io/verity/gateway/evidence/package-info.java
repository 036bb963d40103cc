/**
 * What nodes were caught at: the append-only evidence log, and the feed that turns deterministic evidence into
 * on-chain disputes.
 */
package io.verity.gateway.evidence;
