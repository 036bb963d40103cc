package io.verity.chain.contracts;

import io.verity.chain.ChainConnection;
import io.verity.chain.TxOutcome;
import io.verity.chain.W3;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.SignedVoucher;
import io.verity.protocol.receipt.Voucher;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Typed calls to a deployed Payments contract, as the connection's account. */
public final class PaymentsClient extends ContractClient {
    public PaymentsClient(ChainConnection chain, EvmAddress address) {
        super(chain, address);
    }

    /** Adds {@code amount} wei to the caller's escrow. Event Deposited. */
    public TxOutcome deposit(BigInteger amount) {
        return chain.send(address, W3.fn("deposit"), amount);
    }

    /** Starts the withdrawal delay for {@code amount}. Event WithdrawalRequested. */
    public TxOutcome requestWithdrawal(BigInteger amount) {
        return send(W3.fn("requestWithdrawal", W3.uint256(amount)));
    }

    /** Event Withdrawn. */
    public TxOutcome withdraw() {
        return send(W3.fn("withdraw"));
    }

    /** The caller (the voucher's node) redeems it. Event VoucherRedeemed. */
    public TxOutcome redeem(SignedVoucher v) {
        Voucher voucher = v.voucher();
        return send(W3.fn("redeem", W3.address(voucher.client()), W3.address(voucher.node()),
                W3.uint256(voucher.cumulativeAmount()), W3.bytes(v.signature())));
    }

    /** Signs {@code voucher} as the connection's account (the client), for this contract and chain. */
    public SignedVoucher sign(Voucher voucher) {
        return voucher.sign(chain.account().key(), chain.chainId(), address);
    }

    /** The digest the contract expects a voucher's client to sign. */
    public Keccak256 voucherDigest(Voucher v) {
        return (Keccak256) W3.java(call(W3.fn("voucherDigest",
                List.of(W3.address(v.client()), W3.address(v.node()), W3.uint256(v.cumulativeAmount())), "bytes32")), 0);
    }

    public BigInteger depositOf(EvmAddress client) {
        return W3.uint(call(W3.fn("deposits", List.of(W3.address(client)), "uint256")), 0);
    }

    public BigInteger redeemed(EvmAddress client, EvmAddress node) {
        return W3.uint(call(W3.fn("redeemed", List.of(W3.address(client), W3.address(node)), "uint256")), 0);
    }

    public BigInteger pendingWithdrawal(EvmAddress client) {
        return W3.uint(call(W3.fn("pendingWithdrawal", List.of(W3.address(client)), "uint256")), 0);
    }

    public Instant withdrawalReadyAt(EvmAddress client) {
        return Instant.ofEpochSecond(W3.uint(call(W3.fn("withdrawalReadyAt", List.of(W3.address(client)), "uint64")), 0).longValueExact());
    }

    public Duration withdrawalDelay() {
        return Duration.ofSeconds(W3.uint(call(W3.fn("withdrawalDelay", List.of(), "uint64")), 0).longValueExact());
    }
}
