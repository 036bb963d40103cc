package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.chain.contracts.ModelRegistryClient;
import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/** Several RPC URLs for one chain ({@link io.verity.chain.rpc.RpcEndpoints}): a dead endpoint is skipped for reads and transactions. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class RpcFailoverIT extends DevnetTestBase {

    private static String deadEndpoint() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    @Test
    void a_dead_first_endpoint_is_skipped_for_reads_and_transactions() throws IOException {
        String urls = deadEndpoint() + ", " + devnet.rpcUrl();
        try (ChainConnection c = ChainConnection.open(urls, devnet.account(7))) {
            assertThat(c.chainId()).isEqualTo(devnet.chainId());
            TxOutcome.Confirmed sent = new ModelRegistryClient(c, deployment.modelRegistry())
                    .register(Keccak256.hash("failover".getBytes()), "u", "m", "1").confirmed();
            assertThat(c.outcome(sent.txHash())).isEqualTo(sent);
            assertThat(new ModelRegistryClient(c, deployment.modelRegistry()).modelCount()).isEqualTo(1);
        }
    }

    @Test
    void when_every_endpoint_is_down_the_error_names_them_all() throws IOException {
        String a = deadEndpoint();
        String b = deadEndpoint();
        assertThatThrownBy(() -> ChainConnection.open(a + "," + b, devnet.account(7)))
                .isInstanceOf(ChainException.class).hasMessageContaining("none of [" + a + ", " + b + "] answered");
        assertThatThrownBy(() -> ChainConnection.open(a + ",", devnet.account(7)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("rpc URL list has an empty entry: '" + a + ",'");
    }
}
