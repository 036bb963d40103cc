/**
 * Putting the contracts on a chain: {@link io.verity.chain.devnet.Contracts#deploy} for any chain and
 * {@link io.verity.chain.devnet.Devnet}, a local anvil with the contracts deployed and dev accounts funded.
 * {@link io.verity.chain.devnet.ChainProcess} runs a local chain's process (anvil here, a Hardhat node in the tests)
 * and reads its banner.
 */
package io.verity.chain.devnet;
