/** {@code verity bill}: a payer's paid answers and their reconciliation with its vouchers and the chain. */
package io.verity.cli.bill;
