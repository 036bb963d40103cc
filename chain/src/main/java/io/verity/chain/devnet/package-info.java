/**
 * Putting the contracts on a chain: {@link io.verity.chain.devnet.Contracts#deploy} for any chain and
 * {@link io.verity.chain.devnet.Devnet}, a local anvil with the contracts deployed and dev accounts funded.
 */
package io.verity.chain.devnet;
