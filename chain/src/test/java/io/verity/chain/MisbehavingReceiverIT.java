package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.devnet.Contracts;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Hex;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.SignedVoucher;
import io.verity.protocol.receipt.Voucher;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Utf8String;

/**
 * Ether transfers to contracts that refuse payment or re-enter on receipt (src/test/solidity/TestAccount.sol):
 * the transfer fails loudly with TransferFailed, and re-entry is stopped by the reentrancy guard.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class MisbehavingReceiverIT extends DevnetTestBase {
    static final String REENTRANT_CALL = "0x3ee5aeb5"; // ReentrancyGuardReentrantCall()
    ChainConnection owner;
    EvmAddress account;

    @BeforeEach
    void deployTestAccount() {
        owner = as(6);
        account = Contracts.deploy(owner, "TestAccount");
    }

    TxOutcome exec(EvmAddress target, Function call, BigInteger value) {
        return owner.send(account, W3.fn("exec", W3.address(target), new DynamicBytes(Hex.decode(FunctionEncoder.encode(call)))), value);
    }

    void configure(boolean reject, EvmAddress target, Function reentry) {
        byte[] data = reentry == null ? new byte[0] : Hex.decode(FunctionEncoder.encode(reentry));
        owner.send(account, W3.fn("configure", new Bool(reject), W3.address(target), new DynamicBytes(data)), BigInteger.ZERO).confirmed();
    }

    Object view(String name, String type) {
        return W3.java(owner.call(account, W3.fn(name, List.of(), type)), 0);
    }

    void registerAndExit() {
        exec(deployment.nodeRegistry(), W3.fn("register", new Utf8String("http://contract-node"), W3.bytes32s(List.of()),
                W3.bytes32(Keccak256.ZERO), W3.uint256(BigInteger.ZERO)), ETHER).confirmed();
        exec(deployment.nodeRegistry(), W3.fn("exit"), BigInteger.ZERO).confirmed();
        devnet.advanceTime(Duration.ofDays(2));
    }

    @Test
    void a_node_that_refuses_its_unbonded_stake_gets_TransferFailed_and_keeps_it() {
        registerAndExit();
        configure(true, EvmAddress.ZERO, null);
        assertReverted(exec(deployment.nodeRegistry(), W3.fn("withdraw"), BigInteger.ZERO), "TransferFailed", account, ETHER);
        assertThat(registry(0).node(account).orElseThrow().unbonding()).isEqualTo(ETHER);
    }

    @Test
    void a_node_reentering_withdraw_is_paid_once() {
        registerAndExit();
        configure(false, deployment.nodeRegistry(), W3.fn("withdraw"));
        BigInteger before = owner.balanceOf(deployment.nodeRegistry());
        exec(deployment.nodeRegistry(), W3.fn("withdraw"), BigInteger.ZERO).confirmed();
        assertThat(view("reentrySucceeded", "bool")).isEqualTo(false);
        assertThat(Hex.encode((byte[]) view("reentryError", "bytes4"))).isEqualTo(REENTRANT_CALL);
        assertThat(before.subtract(owner.balanceOf(deployment.nodeRegistry()))).isEqualTo(ETHER);
        assertThat(owner.balanceOf(account)).isEqualTo(ETHER);
    }

    @Test
    void a_slash_reward_to_a_beneficiary_that_refuses_it_reverts_the_slash() {
        NodeRegistryIT.registerNode(1, ether(2)).confirmed();
        registry(0).setSlasher(addr(0), true).confirmed();
        configure(true, EvmAddress.ZERO, null);
        assertReverted(registry(0).slash(addr(1), ETHER, account, BigInteger.ONE, Keccak256.ZERO), "TransferFailed", account, BigInteger.ONE);
        assertThat(registry(0).stakeOf(addr(1))).isEqualTo(ether(2));
    }

    @Test
    void payments_to_a_node_or_client_that_refuses_them_fail_and_nothing_is_spent() {
        payments(3).deposit(ether(2)).confirmed();
        SignedVoucher v = payments(3).sign(new Voucher(addr(3), account, ETHER));
        Function redeem = W3.fn("redeem", W3.address(addr(3)), W3.address(account), W3.uint256(ETHER), new DynamicBytes(v.signature()));
        configure(true, EvmAddress.ZERO, null);
        assertReverted(exec(deployment.payments(), redeem, BigInteger.ZERO), "TransferFailed", account, ETHER);
        assertThat(payments(0).redeemed(addr(3), account)).isZero();

        exec(deployment.payments(), W3.fn("deposit"), ETHER).confirmed();
        exec(deployment.payments(), W3.fn("requestWithdrawal", W3.uint256(ETHER)), BigInteger.ZERO).confirmed();
        devnet.advanceTime(Duration.ofDays(2));
        assertReverted(exec(deployment.payments(), W3.fn("withdraw"), BigInteger.ZERO), "TransferFailed", account, ETHER);
        assertThat(payments(0).depositOf(account)).isEqualTo(ETHER);
    }

    @Test
    void a_node_reentering_redeem_with_the_same_voucher_is_paid_once() {
        payments(3).deposit(ether(2)).confirmed();
        SignedVoucher v = payments(3).sign(new Voucher(addr(3), account, ETHER));
        Function redeem = W3.fn("redeem", W3.address(addr(3)), W3.address(account), W3.uint256(ETHER), new DynamicBytes(v.signature()));
        configure(false, deployment.payments(), redeem);
        exec(deployment.payments(), redeem, BigInteger.ZERO).confirmed();
        assertThat(view("reentrySucceeded", "bool")).isEqualTo(false);
        assertThat(Hex.encode((byte[]) view("reentryError", "bytes4"))).isEqualTo(REENTRANT_CALL);
        assertThat(owner.balanceOf(account)).isEqualTo(ETHER);
        assertThat(payments(0).depositOf(addr(3))).isEqualTo(ETHER);
    }
}
