package io.verity.chain;

import io.verity.chain.rpc.TxPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.contracts.ModelRegistryClient;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.contracts.SettledCheck;
import io.verity.chain.contracts.SettlementClient;
import io.verity.chain.devnet.Contracts;
import io.verity.chain.devnet.DeployParams;
import io.verity.chain.devnet.DeploymentCheck;
import io.verity.chain.devnet.DisputeParams;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.SignedReceipt;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/**
 * Deploying the contract suite the way {@code verity chain deploy} does (EIP-1559 fees through the account's
 * sender, the owner handed to an address of its own) and checking it, written once and run on each EVM
 * implementation: anvil ({@link AnvilDeployIT}) and a Hardhat node ({@link HardhatDeployIT}).
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DeployContract {
    static final DeployParams PARAMS = new DeployParams(DeployParams.ETHER.multiply(BigInteger.TWO), Duration.ofHours(6), 4_000,
            2_500, Duration.ofHours(12));
    static final DisputeParams DISPUTES = DisputeParams.defaults().withDisputeWindow(Duration.ofHours(2));

    private ChainConnection deployer;
    private Deployment deployment;

    abstract String rpcUrl();

    abstract ChainAccount account(int index);

    /** Confirmations and timeout suited to the chain's block rhythm. */
    abstract TxPolicy policy();

    EvmAddress owner() {
        return account(9).address();
    }

    @BeforeAll
    void deploy() {
        deployer = ChainConnection.open(rpcUrl(), account(1), policy());
        deployment = Contracts.deploy(deployer, PARAMS, DISPUTES, owner());
    }

    @AfterAll
    void disconnect() {
        if (deployer != null) deployer.close();
    }

    @Test
    void the_check_finds_this_builds_code_at_every_address_and_the_given_owner_and_settings() {
        DeploymentCheck check = DeploymentCheck.of(deployer, deployment, owner(), PARAMS, DISPUTES);
        assertThat(check.problems()).isEmpty();
        assertThat(check.found()).filteredOn(f -> f.endsWith("code is this build's")).hasSize(6);
        assertThat(check.found()).contains("NodeRegistry.owner = " + owner(), "NodeRegistry.minStake = " + PARAMS.minStake(),
                "Payments.withdrawalDelay = 43200", "DisputeGame.disputeWindow = 7200", "NodeRegistry.isSlasher(" + deployment.disputeGame() + ") = true",
                "NodeRegistry.isSlasher(" + deployment.committeeDisputes() + ") = true", "CommitteeDisputes.owner = " + owner());
        assertThat(new NodeRegistryClient(deployer, deployment.nodeRegistry()).owner()).isEqualTo(owner());
    }

    @Test
    void the_check_names_each_setting_that_differs_and_code_that_is_not_this_builds() {
        DeployParams other = new DeployParams(PARAMS.minStake().add(BigInteger.ONE), PARAMS.unbondingDelay(), PARAMS.slashBps(),
                PARAMS.reporterBps(), PARAMS.withdrawalDelay());
        DeploymentCheck wrongSettings = DeploymentCheck.of(deployer, deployment, account(1).address(), other, DISPUTES);
        assertThat(wrongSettings.problems()).containsExactly(
                "NodeRegistry.owner is " + owner() + ", expected " + account(1).address(),
                "NodeRegistry.minStake is " + PARAMS.minStake() + ", expected " + other.minStake(),
                "CommitteeDisputes.owner is " + owner() + ", expected " + account(1).address());

        Deployment swapped = new Deployment(deployment.chainId(), deployment.rpcUrl(), deployment.nodeRegistry(),
                deployment.modelRegistry(), deployment.payments(), deployment.settlement(), deployment.deployBlock(),
                deployment.disputeGame(), deployment.committeeDisputes());
        DeploymentCheck wrongCode = DeploymentCheck.of(deployer, swapped, owner(), PARAMS, DISPUTES);
        assertThat(wrongCode.ok()).isFalse();
        assertThat(wrongCode.problems()).contains(
                "Settlement " + deployment.payments() + ": code differs from this build's (another version, or another contract)",
                "Payments " + deployment.settlement() + ": code differs from this build's (another version, or another contract)");
    }

    @Test
    void a_node_stakes_commits_a_batch_and_its_receipts_verify_on_the_new_deployment() {
        try (ChainConnection node = ChainConnection.open(rpcUrl(), account(3), policy())) {
            new NodeRegistryClient(node, deployment.nodeRegistry()).register("http://127.0.0.1:9003",
                    List.of(NodeRegistryIT.MODEL), NodeRegistryIT.ATTESTATION, NodeRegistryIT.PRICE, PARAMS.minStake()).confirmed();
            Eip712Domain domain = Eip712Domain.verity(deployment.chainId(), deployment.settlement());
            TestReceipts receipts = new TestReceipts(20261207L);
            List<SignedReceipt> batch = new ArrayList<>();
            for (int i = 0; i < 3; i++) batch.add(TestReceipts.sign(receipts.receipt(account(3).address()), domain, account(3).key()));
            TestMerkle tree = new TestMerkle(batch.stream().map(SignedReceipt::id).toList());
            SettlementClient settlement = new SettlementClient(node, deployment.settlement());

            long id = settlement.commitIdempotently(tree.root(), batch.size(), "http://127.0.0.1:9003/batches/0");

            for (SignedReceipt r : batch) {
                assertThat(settlement.verifyReceipt(r, id, tree.proof(r.id()))).isInstanceOf(SettledCheck.Settled.class);
            }
        }
    }

    @Test
    void the_deployed_suite_takes_transactions_priced_with_EIP_1559_fees() throws IOException {
        try (ChainConnection user = ChainConnection.open(rpcUrl(), account(2), policy())) {
            TxOutcome.Confirmed c = new ModelRegistryClient(user, deployment.modelRegistry())
                    .register(Keccak256.hash("on this chain".getBytes()), "u", "m", "1").confirmed();
            Web3j web3j = Web3j.build(new HttpService(rpcUrl()));
            try {
                assertThat(web3j.ethGetTransactionByHash(c.txHash().toHex()).send().getTransaction().orElseThrow().getType())
                        .isEqualTo("0x2");
            } finally {
                web3j.shutdown();
            }
        }
    }
}
