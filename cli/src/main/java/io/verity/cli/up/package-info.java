/**
 * {@code verity up} and {@code verity down}: the supervisor that runs a local network of separate processes
 * (anvil, staked nodes, gateway, explorer), records them in {@code network.json} and runs the demo through them.
 */
package io.verity.cli.up;
