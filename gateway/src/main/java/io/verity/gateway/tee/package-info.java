/**
 * The {@code tee} policy's gate: which nodes' TEE evidence verifies, is bound to their key, allowlisted and fresh.
 */
package io.verity.gateway.tee;
