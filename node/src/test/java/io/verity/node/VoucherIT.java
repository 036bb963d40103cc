package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.ChainAccount;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.fixture.LocalChain;
import io.verity.node.fixture.StakedNodes;
import io.verity.node.serve.NodeIdentity;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.json.VoucherJson;
import io.verity.protocol.receipt.SignedVoucher;
import io.verity.protocol.receipt.Voucher;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's voucher channel against a real anvil and real nodes: a voucher is checked, stored durably and
 * redeemed in the background for exactly its amount; replays, vouchers for another node, domain or signer are
 * refused naming the field; a voucher accepted just before a kill -9 is still redeemed after the restart.
 * Each test uses its own node and client accounts, so they share one chain.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class VoucherIT {
    static final Duration REDEEM_TIMEOUT = Duration.ofSeconds(60);
    static final BigInteger ETHER = BigInteger.TEN.pow(18);

    @RegisterExtension static final LocalChain devnet = LocalChain.perClass();
    static Path deploymentFile;
    static HttpClient http;

    @BeforeAll
    static void startChain() {
        deploymentFile = devnet.deploymentFile();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    @AfterAll
    static void stopChain() {
        if (http != null) http.close();
    }

    static InferenceNode startNode(Path home, int account) throws Exception {
        return StakedNodes.start(devnet, NodeConfig.defaults(home).withChainSettings(StakedNodes.chainSettings(devnet, account)
                .withRedeemInterval(Duration.ofMillis(200))));
    }

    static void deposit(int client, BigInteger wei) {
        try (ChainClients c = ChainClients.connect(devnet.deployment(), devnet.account(client))) {
            c.payments().deposit(wei).confirmed();
        }
    }

    static BigInteger redeemed(EvmAddress client, EvmAddress node) {
        try (ChainClients c = ChainClients.connect(devnet.deployment(), devnet.account(0))) {
            return c.payments().redeemed(client, node);
        }
    }

    static ObjectNode voucher(ChainAccount client, EvmAddress node, BigInteger amount) {
        SignedVoucher s = new Voucher(client.address(), node, amount).sign(client.key(), devnet.chainId(),
                devnet.deployment().payments());
        return VoucherJson.write(new VoucherJson.Envelope(s, VoucherJson.domain(devnet.chainId(), devnet.deployment().payments())));
    }

    static NodeFixture.Response send(URI node, JsonNode voucher) throws Exception {
        return NodeFixture.post(http, node, "/v1/vouchers", voucher.toString(), "application/json");
    }

    static void awaitRedeemed(EvmAddress client, EvmAddress node, BigInteger amount) {
        await().atMost(REDEEM_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(redeemed(client, node)).isEqualTo(amount));
    }

    static JsonNode rpc(String method, String params) throws Exception {
        var req = HttpRequest.newBuilder(URI.create(devnet.rpcUrl())).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method
                        + "\",\"params\":" + params + "}")).build();
        return NodeFixture.JSON.readTree(http.send(req, HttpResponse.BodyHandlers.ofString()).body()).get("result");
    }

    static BigInteger hex(JsonNode n) {
        return new BigInteger(n.asText().substring(2), 16);
    }

    record Spent(int transactions, BigInteger gasWei) {}

    /** What {@code from} paid in gas in blocks (after, upTo], from each receipt's gasUsed × effectiveGasPrice. */
    static Spent gasPaid(EvmAddress from, long after, long upTo) throws Exception {
        int n = 0;
        BigInteger wei = BigInteger.ZERO;
        for (long b = after + 1; b <= upTo; b++) {
            for (JsonNode tx : rpc("eth_getBlockByNumber", "[\"0x" + Long.toHexString(b) + "\", true]").get("transactions")) {
                if (!tx.get("from").asText().equalsIgnoreCase(from.toString())) continue;
                JsonNode rc = rpc("eth_getTransactionReceipt", "[\"" + tx.get("hash").asText() + "\"]");
                wei = wei.add(hex(rc.get("gasUsed")).multiply(hex(rc.get("effectiveGasPrice"))));
                n++;
            }
        }
        return new Spent(n, wei);
    }

    @Test
    void an_accepted_voucher_is_stored_and_redeemed_for_exactly_its_amount(@TempDir Path home) throws Exception {
        StakedNodes.installVad(home);
        ChainAccount client = devnet.account(5);
        deposit(5, ETHER);
        try (InferenceNode node = startNode(home, 3);
                ChainClients chain = ChainClients.connect(devnet.deployment(), devnet.account(0))) {
            // Let registration (stake, gas) land first so the balance below moves by the redemption alone.
            await().atMost(REDEEM_TIMEOUT).until(() -> chain.nodes().isStaked(node.address()));
            long startBlock = chain.connection().blockNumber();
            BigInteger before = chain.connection().balanceOf(node.address());
            BigInteger amount = new BigInteger("3000000000000000");

            var r = send(node.url(), voucher(client, node.address(), amount));
            assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
            assertThat(r.body().get("client").asText()).isEqualTo(client.address().toString());
            assertThat(r.body().get("node").asText()).isEqualTo(node.address().toString());
            assertThat(r.body().get("cumulativeAmount").asText()).isEqualTo("3000000000000000");
            assertThat(r.body().get("redeemed").asText()).isEqualTo("0");
            Path stored = home.resolve("vouchers").resolve(client.address().toString().toLowerCase(Locale.ROOT) + ".json");
            assertThat(VoucherJson.read(NodeFixture.JSON.readTree(Files.readAllBytes(stored)), "").voucher().cumulativeAmount())
                    .isEqualTo(amount);

            awaitRedeemed(client.address(), node.address(), amount);
            long endBlock = chain.connection().blockNumber();
            BigInteger after = chain.connection().balanceOf(node.address());
            Spent gas = gasPaid(node.address(), startBlock, endBlock);
            assertThat(gas.transactions()).as("only the redeem transaction").isEqualTo(1);
            assertThat(after.subtract(before)).isEqualTo(amount.subtract(gas.gasWei()));
            assertThat(chain.payments().depositOf(client.address())).isEqualTo(ETHER.subtract(amount));

            var channel = NodeFixture.get(http, node.url(), "/v1/vouchers/" + client.address());
            assertThat(channel.status()).isEqualTo(200);
            assertThat(channel.body().get("cumulativeAmount").asText()).isEqualTo("3000000000000000");
            assertThat(channel.body().get("redeemed").asText()).isEqualTo("3000000000000000");

            // The next cumulative voucher pays only the increment.
            BigInteger next = amount.add(BigInteger.valueOf(1_000_000));
            assertThat(send(node.url(), voucher(client, node.address(), next)).status()).isEqualTo(200);
            awaitRedeemed(client.address(), node.address(), next);
            assertThat(chain.payments().depositOf(client.address())).isEqualTo(ETHER.subtract(next));

            var none = NodeFixture.get(http, node.url(), "/v1/vouchers/" + devnet.account(9).address());
            assertThat(none.body().get("cumulativeAmount").asText()).isEqualTo("0");
            assertThat(none.body().get("redeemed").asText()).isEqualTo("0");
        }
    }

    @Test
    void a_replayed_or_older_voucher_is_a_409_carrying_the_held_amount(@TempDir Path home) throws Exception {
        ChainAccount client = devnet.account(6);
        deposit(6, ETHER);
        try (InferenceNode node = startNode(home, 4)) {
            BigInteger amount = BigInteger.valueOf(5000);
            assertThat(send(node.url(), voucher(client, node.address(), amount)).status()).isEqualTo(200);
            for (BigInteger stale : new BigInteger[] {amount, BigInteger.valueOf(4000)}) {
                var r = send(node.url(), voucher(client, node.address(), stale));
                NodeApiIT.assertProblem(r, 409, "voucher-not-increasing");
                assertThat(r.body().get("held").asText()).isEqualTo("5000");
                assertThat(NodeApiIT.onlyError(r).get("pointer").asText()).isEqualTo("/cumulativeAmount");
            }
            assertThat(NodeFixture.get(http, node.url(), "/v1/vouchers/" + client.address()).body()
                    .get("cumulativeAmount").asText()).isEqualTo("5000");

            // Compare-and-set: a sender that built on 4000 (it missed another sender's voucher) is refused even
            // though its voucher is higher, so the other sender's increment is not swallowed.
            var stale = NodeFixture.post(http, node.url(), "/v1/vouchers?base=4000",
                    voucher(client, node.address(), BigInteger.valueOf(6000)).toString(), "application/json");
            NodeApiIT.assertProblem(stale, 409, "voucher-base-stale");
            assertThat(stale.body().get("held").asText()).isEqualTo("5000");
            var current = NodeFixture.post(http, node.url(), "/v1/vouchers?base=5000",
                    voucher(client, node.address(), BigInteger.valueOf(7000)).toString(), "application/json");
            assertThat(current.status()).as("%s", current.body()).isEqualTo(200);
            var bad = NodeFixture.post(http, node.url(), "/v1/vouchers?base=-1",
                    voucher(client, node.address(), BigInteger.valueOf(8000)).toString(), "application/json");
            NodeApiIT.assertProblem(bad, 400, "invalid-request");
            assertThat(NodeApiIT.onlyError(bad).get("pointer").asText()).isEqualTo("query base");
        }
    }

    @Test
    void vouchers_for_another_node_domain_or_signer_are_400s_naming_the_field(@TempDir Path home) throws Exception {
        ChainAccount client = devnet.account(6);
        try (InferenceNode node = startNode(home, 7)) {
            BigInteger amount = BigInteger.valueOf(777);

            var otherNode = send(node.url(), voucher(client, devnet.account(8).address(), amount));
            NodeApiIT.assertProblem(otherNode, 400, "invalid-request");
            assertThat(NodeApiIT.onlyError(otherNode).get("pointer").asText()).isEqualTo("/node");
            assertThat(NodeApiIT.onlyError(otherNode).get("detail").asText())
                    .isEqualTo("must be this node's address " + node.address() + ", got " + devnet.account(8).address());

            // Signed for the Settlement contract: a valid signature, but never redeemable at Payments.
            Voucher v = new Voucher(client.address(), node.address(), amount);
            EvmAddress settlement = devnet.deployment().settlement();
            var wrongContract = send(node.url(), VoucherJson.write(new VoucherJson.Envelope(
                    v.sign(client.key(), devnet.chainId(), settlement), VoucherJson.domain(devnet.chainId(), settlement))));
            NodeApiIT.assertProblem(wrongContract, 400, "invalid-request");
            assertThat(NodeApiIT.onlyError(wrongContract).get("pointer").asText()).isEqualTo("/domain/verifyingContract");

            EvmAddress payments = devnet.deployment().payments();
            var wrongChain = send(node.url(), VoucherJson.write(new VoucherJson.Envelope(v.sign(client.key(), 1, payments),
                    VoucherJson.domain(1, payments))));
            assertThat(NodeApiIT.onlyError(wrongChain).get("pointer").asText()).isEqualTo("/domain/chainId");

            // Someone else signs a voucher drawing on this client's deposit.
            ChainAccount thief = devnet.account(8);
            SignedVoucher forged = new SignedVoucher(v, thief.key().sign(v.digest(devnet.chainId(), payments)).toArray());
            var badSignature = send(node.url(), VoucherJson.write(new VoucherJson.Envelope(forged,
                    VoucherJson.domain(devnet.chainId(), payments))));
            NodeApiIT.assertProblem(badSignature, 400, "invalid-request");
            assertThat(NodeApiIT.onlyError(badSignature).get("pointer").asText()).isEqualTo("/signature");
            assertThat(NodeApiIT.onlyError(badSignature).get("detail").asText())
                    .isEqualTo("recovers to " + thief.address() + ", not the voucher's client " + client.address());

            ObjectNode malformed = voucher(client, node.address(), amount);
            malformed.put("cumulativeAmount", "1e18");
            var badAmount = send(node.url(), malformed);
            NodeApiIT.assertProblem(badAmount, 400, "invalid-request");
            assertThat(NodeApiIT.onlyError(badAmount).get("pointer").asText()).isEqualTo("/cumulativeAmount");

            var badClient = NodeFixture.get(http, node.url(), "/v1/vouchers/0x1234");
            NodeApiIT.assertProblem(badClient, 400, "invalid-request");
            assertThat(NodeApiIT.onlyError(badClient).get("pointer").asText()).isEqualTo("/client");

            // None of these was stored.
            assertThat(NodeFixture.get(http, node.url(), "/v1/vouchers/" + client.address()).body()
                    .get("cumulativeAmount").asText()).isEqualTo("0");
        }
    }

    @Test
    void a_voucher_the_deposit_cannot_cover_is_a_402(@TempDir Path home) throws Exception {
        ChainAccount broke = devnet.account(9); // never deposits
        try (InferenceNode node = startNode(home, 8)) {
            var r = send(node.url(), voucher(broke, node.address(), BigInteger.valueOf(1000)));
            NodeApiIT.assertProblem(r, 402, "insufficient-deposit");
            assertThat(NodeApiIT.onlyError(r).get("pointer").asText()).isEqualTo("/cumulativeAmount");
        }
    }

    static NodeProcess startNodeProcess(Path home, int account, Duration redeemInterval) throws Exception {
        return NodeProcess.start(Map.of(NodeIdentity.ENV, devnet.account(account).privateKeyHex()), "--home", home.toString(),
                "--port", "0", "--deployment", deploymentFile.toString(),
                "--redeem-interval-ms", Long.toString(redeemInterval.toMillis()));
    }

    @Test
    void a_voucher_accepted_before_a_kill_9_is_redeemed_after_the_restart(@TempDir Path home) throws Exception {
        ChainAccount client = devnet.account(2);
        deposit(2, ETHER);
        BigInteger amount = BigInteger.valueOf(123_456_789);
        // A redeem interval far beyond the test: the first node accepts but never gets to redeem.
        NodeProcess first = startNodeProcess(home, 1, Duration.ofMinutes(10));
        EvmAddress nodeAddress = first.address();
        try {
            var r = send(first.url(), voucher(client, nodeAddress, amount));
            assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
        } finally {
            first.process().destroyForcibly(); // SIGKILL: no shutdown hook, no flush
            first.process().waitFor();
        }
        assertThat(redeemed(client.address(), nodeAddress)).isEqualTo(BigInteger.ZERO);

        NodeProcess second = startNodeProcess(home, 1, Duration.ofMillis(200));
        try {
            awaitRedeemed(client.address(), nodeAddress, amount);
            var channel = NodeFixture.get(http, second.url(), "/v1/vouchers/" + client.address());
            assertThat(channel.body().get("cumulativeAmount").asText()).isEqualTo(amount.toString());
            assertThat(channel.body().get("redeemed").asText()).isEqualTo(amount.toString());
        } finally {
            second.process().destroy();
            second.process().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
