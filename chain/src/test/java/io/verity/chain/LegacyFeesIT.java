package io.verity.chain;

import io.verity.chain.rpc.TxPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.fixture.HardhatNode;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.Transaction;
import org.web3j.protocol.http.HttpService;

/** On a chain without a base fee (Hardhat emulating berlin) the sender falls back to legacy gas prices. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class LegacyFeesIT {

    @Test
    void a_chain_without_a_base_fee_gets_legacy_priced_transactions() throws Exception {
        try (HardhatNode berlin = HardhatNode.start(null, "berlin");
             ChainConnection c = ChainConnection.open(berlin.rpcUrl(), berlin.accounts().get(1))) {
            ChainAccount payee = berlin.accounts().get(2);
            TxOutcome.Confirmed paid = c.send(payee.address(), W3.fn("hello"), java.math.BigInteger.TEN).confirmed();
            Web3j web3j = Web3j.build(new HttpService(berlin.rpcUrl()));
            try {
                Transaction tx = web3j.ethGetTransactionByHash(paid.txHash().toHex()).send().getTransaction().orElseThrow();
                assertThat(tx.getType()).isEqualTo("0x0");
                assertThat(tx.getGasPrice()).isPositive().isLessThanOrEqualTo(TxPolicy.defaults().maxFeePerGasCap());
                assertThat(tx.getValue()).isEqualTo(java.math.BigInteger.TEN);
            } finally {
                web3j.shutdown();
            }
        }
    }
}
