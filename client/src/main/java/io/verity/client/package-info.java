/**
 * The Verity Java SDK: {@link io.verity.client.VerityClient} sends an inference to a node or a gateway and
 * returns a {@link io.verity.client.VerifiedAnswer} only when every receipt verifies; otherwise it throws an
 * {@link io.verity.client.InferenceException} saying why. {@link io.verity.client.OnChainVerifier} adds the
 * optional on-chain checks and is the only class that needs the chain module (web3j).
 *
 * <p>Nulls are refused with a {@link java.lang.NullPointerException} naming the argument. Clients are
 * thread-safe and blocking; call them from virtual threads for concurrency.
 */
package io.verity.client;
