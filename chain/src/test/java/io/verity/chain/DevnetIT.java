package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.contracts.PaymentsClient;
import io.verity.chain.contracts.SettlementClient;
import io.verity.chain.devnet.DeployParams;
import io.verity.chain.devnet.Devnet;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayNameGeneration(ReplaceUnderscores.class)
class DevnetIT {
    static final BigInteger ETHER = DeployParams.ETHER;

    @Test
    void starts_anvil_deploys_the_contracts_and_writes_the_deployment_file(@TempDir Path dir) {
        Path file = dir.resolve("verity/deployment.json");
        try (Devnet devnet = Devnet.builder().deploymentFile(file).start();
             ChainConnection chain = devnet.connect(0)) {
            assertThat(devnet.rpcUrl()).startsWith("http://127.0.0.1:");
            assertThat(Deployment.read(file)).isEqualTo(devnet.deployment());
            assertThat(devnet.chainId()).isEqualTo(31337);
            assertThat(devnet.accounts()).hasSize(10);
            // anvil's well-known first dev account (mnemonic "test test ... junk")
            assertThat(devnet.account(0).address()).isEqualTo(EvmAddress.parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
            assertThat(chain.balanceOf(devnet.account(9).address())).isEqualTo(ETHER.multiply(BigInteger.valueOf(10_000)));
            Deployment d = devnet.deployment();
            for (EvmAddress a : List.of(d.nodeRegistry(), d.modelRegistry(), d.settlement(), d.payments())) {
                assertThat(chain.hasCode(a)).as("code at %s", a).isTrue();
            }
            assertThat(new NodeRegistryClient(chain, d.nodeRegistry()).minStake()).isEqualTo(ETHER);
            assertThat(new SettlementClient(chain, d.settlement()).slashBps()).isEqualTo(BigInteger.valueOf(5_000));
            assertThat(new PaymentsClient(chain, d.payments()).withdrawalDelay()).hasDays(1);
        }
    }

    @Test
    void a_stopped_chain_fails_with_ChainException_and_restarts_with_its_state_on_the_same_port(@TempDir Path dir) {
        try (Devnet devnet = Devnet.builder().stateDir(dir).start()) {
            Deployment d = devnet.deployment();
            Keccak256 root = Keccak256.hash("batch".getBytes());
            try (ChainConnection node = devnet.connect(1)) {
                new NodeRegistryClient(node, d.nodeRegistry()).register("http://n", List.of(), Keccak256.ZERO, BigInteger.ONE, ETHER).confirmed();
                new SettlementClient(node, d.settlement()).commitBatch(root, 1, "u").confirmed();
                int port = devnet.port();

                devnet.stop();
                assertThat(devnet.isRunning()).isFalse();
                SettlementClient offline = new SettlementClient(node, d.settlement());
                assertThatThrownBy(() -> offline.commitBatch(Keccak256.hash("next".getBytes()), 1, "u"))
                        .isInstanceOf(ChainException.class).hasMessageContaining("unreachable");
                assertThatThrownBy(offline::batchCount).isInstanceOf(ChainException.class);

                devnet.restart();
                assertThat(devnet.port()).isEqualTo(port);
                assertThat(offline.batchIdOf(node.account().address(), root)).as("the same connection works again").hasValue(0);
                // the retry of the commit that failed during the outage lands once; a second retry is refused
                offline.commitBatch(Keccak256.hash("next".getBytes()), 1, "u").confirmed();
                TxOutcome again = offline.commitBatch(Keccak256.hash("next".getBytes()), 1, "u");
                assertThat(again).isInstanceOf(TxOutcome.Reverted.class);
                assertThat(((TxOutcome.Reverted) again).errorName()).isEqualTo("BatchAlreadyCommitted");
            }
        }
        // a new devnet on the same dir resumes chain and contracts instead of deploying again
        try (Devnet again = Devnet.builder().stateDir(dir).start(); ChainConnection c = again.connect(0)) {
            assertThat(Deployment.read(dir.resolve("deployment.json")).settlement()).isEqualTo(again.deployment().settlement());
            assertThat(new SettlementClient(c, again.deployment().settlement()).batchCount()).isEqualTo(2);
        }
    }

    @Test
    void close_is_idempotent_and_stops_anvil() {
        Devnet devnet = Devnet.start();
        String rpc = devnet.rpcUrl();
        devnet.close();
        devnet.close();
        assertThat(devnet.isRunning()).isFalse();
        assertThatThrownBy(() -> ChainConnection.open(rpc, ChainAccount.fromPrivateKey("0x" + "11".repeat(32))))
                .isInstanceOf(ChainException.class).hasMessageContaining(rpc);
        assertThatThrownBy(devnet::restart).isInstanceOf(IllegalStateException.class).hasMessage("devnet is closed");
    }

    @Test
    void a_missing_anvil_binary_is_reported_with_its_path(@TempDir Path dir) {
        Path missing = dir.resolve("no-anvil");
        assertThatThrownBy(() -> Devnet.builder().anvil(missing).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("anvil not found or not executable at " + missing);
    }
}
