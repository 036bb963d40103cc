/**
 * The read-only web explorer: {@link io.verity.explorer.ExplorerServer#start} indexes the four contracts'
 * events into a database (embedded H2 under {@link io.verity.explorer.ExplorerConfig#home()} by default,
 * PostgreSQL with {@code jdbcUrl}) and serves server-rendered pages over it; {@link io.verity.explorer.ExplorerMain}
 * runs one as a process ({@code verity explorer}, or the child JVM {@code verity up} starts).
 *
 * <h2>Index contract</h2>
 * Events of a block range and the checkpoint move together in one transaction, so a restart resumes at the
 * first block not indexed: no gap, no duplicate. The hash of every block events came from (and of each range's
 * last block) is kept; when the chain no longer has that hash (a reorg, or {@code anvil_revert}) the index drops
 * everything above the newest block it still agrees on and indexes again from there. Receipts come from the
 * batch documents nodes commit by URI, accepted only when their ids hash to the root committed on chain.
 *
 * <h2>Verification in the browser</h2>
 * The receipt and verify pages run the checks in the browser with ethers (bundled at build time from the
 * project's npm install; no CDN, works offline): EIP-712 digest, signature, domain, inclusion (Merkle proof to
 * the on-chain root) and attestation digest. The server only supplies what it indexed
 * ({@code GET /api/receipts/{id}/context}).
 */
package io.verity.explorer;
