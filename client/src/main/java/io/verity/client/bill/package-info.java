/**
 * A payer's bill, reconciled (issue 16): every paid answer's receipt (format 2 names its payer and price), and
 * per node whether those receipts add up, to the wei, to the payer's latest voucher and to what the node
 * redeemed on chain. {@link io.verity.client.bill.PayerBill} is the one reconciliation {@code verity bill} and
 * the explorer's {@code /api/payers/{address}} both print; {@link io.verity.client.bill.Channels} reads the
 * vouchers and redemptions it is checked against. Needs the chain module (web3j), like
 * {@link io.verity.client.OnChainVerifier}.
 */
package io.verity.client.bill;
