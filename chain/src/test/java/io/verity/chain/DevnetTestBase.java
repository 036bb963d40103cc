package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.contracts.ModelRegistryClient;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.contracts.PaymentsClient;
import io.verity.chain.contracts.SettlementClient;
import io.verity.chain.devnet.DeployParams;
import io.verity.chain.fixture.LocalChain;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.assertj.core.api.ObjectAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The JVM's shared anvil ({@link LocalChain}), with the contracts deployed once; every test runs on a snapshot
 * that is reverted afterwards, so tests do not see each other's transactions. Account 0 deployed everything.
 */
abstract class DevnetTestBase {
    static final BigInteger ETHER = DeployParams.ETHER;
    @RegisterExtension static final LocalChain devnet = LocalChain.perTest();
    static Deployment deployment;
    private static final List<ChainConnection> connections = new ArrayList<>();

    @BeforeAll
    static void findDeployment() {
        deployment = devnet.deployment();
    }

    @AfterAll
    static void closeConnections() {
        connections.forEach(ChainConnection::close);
        connections.clear();
    }

    static ChainConnection as(int account) {
        ChainConnection c = devnet.connect(account);
        connections.add(c);
        return c;
    }

    static EvmAddress addr(int account) {
        return devnet.account(account).address();
    }

    /** The EIP-712 domain receipts are signed under on this devnet (its Settlement contract). */
    static Eip712Domain receiptDomain() {
        return Eip712Domain.verity(devnet.chainId(), deployment.settlement());
    }

    /** {@code r} signed by devnet account {@code account}, whether or not it is {@code r.node()}. */
    static SignedReceipt signed(int account, Receipt r) {
        return TestReceipts.sign(r, receiptDomain(), devnet.account(account).key());
    }

    static NodeRegistryClient registry(int account) {
        return new NodeRegistryClient(as(account), deployment.nodeRegistry());
    }

    static SettlementClient settlement(int account) {
        return new SettlementClient(as(account), deployment.settlement());
    }

    static PaymentsClient payments(int account) {
        return new PaymentsClient(as(account), deployment.payments());
    }

    static ModelRegistryClient models(int account) {
        return new ModelRegistryClient(as(account), deployment.modelRegistry());
    }

    static BigInteger ether(long n) {
        return ETHER.multiply(BigInteger.valueOf(n));
    }

    /** Asserts a simulated rejection with exactly this custom error and these arguments. */
    static void assertReverted(TxOutcome outcome, String error, Object... args) {
        assertThat(outcome).isInstanceOf(TxOutcome.Reverted.class);
        TxOutcome.Reverted r = (TxOutcome.Reverted) outcome;
        assertThat(r.errorName()).as("error of %s", r).isEqualTo(error);
        if (args.length > 0) assertThat(r.args()).as("args of %s", r).containsExactly(args);
    }

    static ObjectAssert<TxOutcome.Confirmed> assertConfirmed(TxOutcome outcome) {
        assertThat(outcome).isInstanceOf(TxOutcome.Confirmed.class);
        return assertThat(outcome).asInstanceOf(InstanceOfAssertFactories.type(TxOutcome.Confirmed.class));
    }
}
