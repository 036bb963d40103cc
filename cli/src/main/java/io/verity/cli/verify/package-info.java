/**
 * The commands a stranger uses to check the network: {@code verify} (a receipt, off and on chain),
 * {@code attest} (TEE evidence) and {@code dispute} (challenge a receipt on chain).
 */
package io.verity.cli.verify;
