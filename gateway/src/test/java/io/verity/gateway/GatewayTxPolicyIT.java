package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.verity.chain.ChainAccount;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.fixture.LocalChain;
import io.verity.chain.rpc.TxPolicy;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's own transactions go through the {@code --tx-*} policy it is given, as a node's do: with
 * {@code --tx-confirmations 2} its start-up deposit is not taken as done when its block is mined, only once a
 * second block is on top.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class GatewayTxPolicyIT {
    @RegisterExtension static final LocalChain chain = LocalChain.perClass();

    @Test
    void the_start_up_deposit_waits_for_the_confirmations_the_tx_flags_ask_for(@TempDir Path home) throws Exception {
        ChainAccount client = chain.account(7);
        BigInteger deposit = BigInteger.TEN.pow(18);
        GatewayConfig config = GatewayMain.parse(new String[] {"--home", home.toString(), "--deployment",
            chain.deploymentFile().toString(), "--port", "0", "--deposit-wei", deposit.toString(), "--tx-confirmations", "2"},
                name -> GatewayMain.CLIENT_KEY_ENV.equals(name) ? client.privateKeyHex() : null);
        assertThat(config.tx().confirmations()).isEqualTo(2);
        CompletableFuture<Gateway> starting = CompletableFuture.supplyAsync(() -> Gateway.start(config));
        Gateway gateway = null;
        try (var chainClients = ChainClients.connect(chain.deployment(), ChainAccount.READ_ONLY)) {
            // anvil mines the deposit at once and nothing after it: one confirmation, not two
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                    .until(() -> chainClients.payments().depositOf(client.address()).equals(deposit));
            assertThat(starting).isNotDone();
            chain.mine();
            gateway = starting.get(20, TimeUnit.SECONDS);
            assertThat(gateway.clientAccount()).contains(client.address());
        } finally {
            if (gateway != null) gateway.close();
            else starting.thenAccept(Gateway::close);
        }
    }
}
