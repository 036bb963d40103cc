package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.ChainAccount;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.node.InferenceNode;
import io.verity.protocol.json.VoucherJson;
import io.verity.protocol.receipt.PayerAuth;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, item 5 ("unpaid service"), end to end on a real anvil with a real node and a real gateway: a client
 * that deposited for N answers gets N through the gateway, then 402 with its deposit state; a caller that goes
 * around the gateway in the client's name gets the node's credit more, then the node's 402; and the node signs
 * no receipt beyond those (counted on its /health).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PaymentLimitIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final BigInteger PRICE = BigInteger.TEN.pow(12);
    static final int PAID_FOR = 3;
    static final int CREDIT_ANSWERS = 2;

    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** One node at PRICE that answers a payer CREDIT_ANSWERS ahead of its vouchers; a gateway with a deposit for PAID_FOR. */
    @RegisterExtension static final LocalNetwork net = LocalNetwork.builder().nodes(1).clientAccount(5)
            .deposit(PRICE.multiply(BigInteger.valueOf(PAID_FOR)))
            .node((i, c) -> c.withPrice(PRICE).withChainSettings(c.chain().orElseThrow().withRedeemInterval(Duration.ofMillis(200))
                    .withPaymentCredit(PRICE.multiply(BigInteger.valueOf(CREDIT_ANSWERS)))))
            .build();

    @AfterAll
    static void closeHttp() {
        http.close();
    }

    record Response(int status, String type, JsonNode body) {}

    static Response post(HttpClient http, URI url, String payer) throws Exception {
        return post(http, url, payer, null);
    }

    /** With the payer's proof ({@link PayerAuth}) when {@code proof} is given: what a gateway sends a node. */
    static Response post(HttpClient http, URI url, String payer, String proof) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(GatewayIT.vadRequest(null)));
        if (payer != null) b.header(VoucherJson.PAYER_HEADER, payer);
        if (proof != null) b.header(PayerAuth.HEADER, proof);
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), JSON.readTree(r.body()));
    }

    static int receipts(HttpClient http, InferenceNode node) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(node.url().resolve("/health")).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return JSON.readTree(r.body()).get("receipts").asInt();
    }

    @Test
    void a_deposit_for_n_answers_gets_n_then_402_and_the_node_signs_no_more_than_its_credit_beyond() throws Exception {
        Gateway gateway = net.gateway();
        InferenceNode node = net.node(1);
        ChainAccount client = net.chain().account(5);
        await().atMost(Duration.ofSeconds(30)).until(() -> gateway.nodes().stream()
                .anyMatch(n -> n.price().equals(PRICE) && n.healthy()));
        URI infer = gateway.url().resolve("/v1/infer");

        for (int i = 0; i < PAID_FOR; i++) {
            // the node's credit (2 answers) is kept tiny on purpose: let the last voucher land first, so the
            // node's limit does not race the gateway's; the gateway counts promised vouchers either way
            await().atMost(Duration.ofSeconds(30)).until(gateway::paymentsDelivered);
            Response r = post(http, infer, null);
            assertThat(r.status()).as("paid answer %d: %s", i, r.body()).isEqualTo(200);
        }
        Response refused = post(http, infer, null);
        assertThat(refused.status()).as("%s", refused.body()).isEqualTo(402);
        assertThat(refused.type()).startsWith("application/problem+json");
        JsonNode p = refused.body();
        assertThat(p.get("type").asText()).isEqualTo("urn:verity:problem:insufficient-deposit");
        assertThat(p.get("source").asText()).isEqualTo("payment");
        assertThat(p.get("retryable").asBoolean(true)).isFalse();
        assertThat(p.get("client").asText()).isEqualTo(client.address().toString());
        assertThat(new BigInteger(p.get("price").asText())).isEqualTo(PRICE);
        BigInteger deposit = new BigInteger(p.get("deposit").asText());
        BigInteger owed = new BigInteger(p.get("owed").asText());
        assertThat(deposit).isLessThan(owed.add(PRICE)); // what the refusal means
        assertThat(deposit).isLessThanOrEqualTo(PRICE.multiply(BigInteger.valueOf(PAID_FOR)));
        assertThat(p.get("detail").asText()).contains("deposit more");
        assertThat(receipts(http, node)).isEqualTo(PAID_FOR);

        // Around the gateway, naming the client's account without its key: nothing, however the proof is faked.
        await().atMost(Duration.ofSeconds(30)).until(gateway::paymentsDelivered);
        URI direct = node.url().resolve("/v1/infer");
        String payer = client.address().toString();
        Response unproven = post(http, direct, payer);
        assertThat(unproven.status()).as("%s", unproven.body()).isEqualTo(402);
        assertThat(unproven.body().get("detail").asText()).contains("must prove it comes from that account", PayerAuth.HEADER);
        ChainAccount stranger = ChainAccount.fromPrivateKey("0x" + "77".repeat(32));
        Response forged = post(http, direct, payer, PayerAuth.sign(stranger.key(), node.address(), System.currentTimeMillis()).header());
        assertThat(forged.status()).isEqualTo(402);
        assertThat(forged.body().get("detail").asText()).contains("is not signed by payer " + payer);
        Response stale = post(http, direct, payer, PayerAuth.sign(client.key(), node.address(), System.currentTimeMillis() - 600_000).header());
        assertThat(stale.status()).isEqualTo(402);
        assertThat(stale.body().get("detail").asText()).contains("ms ago");
        Response elsewhere = post(http, direct, payer, PayerAuth.sign(client.key(), stranger.address(), System.currentTimeMillis()).header());
        assertThat(elsewhere.status()).as("a proof made for another node").isEqualTo(402);
        assertThat(receipts(http, node)).isEqualTo(PAID_FOR);

        // With the client's key: the node's credit, then the node's own 402; a proof serves once.
        String used = null;
        for (int i = 0; i < CREDIT_ANSWERS; i++) {
            used = PayerAuth.sign(client.key(), node.address(), System.currentTimeMillis()).header();
            Response r = post(http, direct, payer, used);
            assertThat(r.status()).as("answer on credit %d: %s", i, r.body()).isEqualTo(200);
        }
        Response replayed = post(http, direct, payer, used);
        assertThat(replayed.status()).isEqualTo(402);
        assertThat(replayed.body().get("detail").asText()).contains("already used");
        Response owes = post(http, direct, payer, PayerAuth.sign(client.key(), node.address(), System.currentTimeMillis()).header());
        assertThat(owes.status()).as("%s", owes.body()).isEqualTo(402);
        assertThat(owes.body().get("type").asText()).isEqualTo("urn:verity:problem:payment-required");
        assertThat(owes.body().get("owed").asText()).isEqualTo(PRICE.multiply(BigInteger.valueOf(CREDIT_ANSWERS)).toString());
        assertThat(owes.body().get("held").asText()).isEqualTo(PRICE.multiply(BigInteger.valueOf(PAID_FOR)).toString());
        assertThat(owes.body().get("credit").asText()).isEqualTo(PRICE.multiply(BigInteger.valueOf(CREDIT_ANSWERS)).toString());
        assertThat(owes.body().get("source").asText()).isEqualTo("payment");
        assertThat(owes.body().get("retryable").asBoolean(true)).isFalse();

        // Nobody named, or a made-up payer: nothing at all.
        Response anonymous = post(http, direct, null);
        assertThat(anonymous.status()).isEqualTo(402);
        assertThat(anonymous.body().get("detail").asText()).contains("name the paying account in the Verity-Payer header");
        Response unfunded = post(http, direct, stranger.address().toString(),
                PayerAuth.sign(stranger.key(), node.address(), System.currentTimeMillis()).header());
        assertThat(unfunded.status()).isEqualTo(402);
        assertThat(unfunded.body().get("detail").asText()).contains("has no deposit in Payments");
        Response garbage = post(http, direct, "not-an-address");
        assertThat(garbage.status()).isEqualTo(400);
        assertThat(garbage.body().get("detail").asText()).startsWith("header Verity-Payer must be");

        assertThat(receipts(http, node)).as("receipts the node signed").isEqualTo(PAID_FOR + CREDIT_ANSWERS);
    }
}
