/**
 * Account keys at rest: Ethereum's encrypted JSON keystores ({@link io.verity.chain.keys.KeyStoreFile}, the one
 * reader and writer) and the keystore flags servers share ({@link io.verity.chain.keys.KeyStoreFlags}). Passwords
 * come from a file or an environment variable, never a command line; keys leave only as a
 * {@link io.verity.chain.ChainAccount}. Which key does what (operator and node keys) is in docs/keys.md.
 */
package io.verity.chain.keys;
