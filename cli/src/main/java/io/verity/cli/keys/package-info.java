/**
 * The key commands: {@code verity keys} (encrypted keystores), the keystore and password options the other commands
 * mix in, and the operator's {@code verity node} commands over its node key and stake (docs/keys.md). A key or a
 * password is never a flag's value.
 */
package io.verity.cli.keys;
