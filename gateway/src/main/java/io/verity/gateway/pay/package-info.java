/**
 * Paying nodes for the answers the gateway used: the deposit hold before a request ({@link io.verity.gateway.pay.Payments#hold},
 * 402 when short) and cumulative vouchers delivered in the background ({@link io.verity.gateway.pay.Payer}).
 */
package io.verity.gateway.pay;
