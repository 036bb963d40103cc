package io.verity.gateway.pay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.verity.chain.ChainAccount;
import io.verity.chain.ChainConnection;
import io.verity.chain.contracts.PaymentsClient;
import io.verity.protocol.EvmAddress;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: the gateway's deposit check must not hold requests while the chain is frozen. The chain here is a
 * JSON-RPC endpoint over real HTTP (web3j talks to it as to anvil) that, frozen, takes requests and does not
 * answer, as a SIGSTOPped anvil does.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PayerChainTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final EvmAddress PAYMENTS = EvmAddress.parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    static final ChainAccount CLIENT = ChainAccount.fromPrivateKey("0x" + "02".repeat(32));
    /**
     * Far above what the gateway may wait for the chain ({@link Payer#CHAIN_WAIT} per request) and below web3j's
     * 10 s HTTP timeout, which is what a request waited before: the test fails if a request waits for the chain.
     */
    static final Duration HANG = Duration.ofSeconds(5);

    final AtomicReference<BigInteger> deposit = new AtomicReference<>(BigInteger.valueOf(1000));
    final AtomicInteger calls = new AtomicInteger();
    volatile CountDownLatch thaw = new CountDownLatch(0);
    HttpServer rpc;
    ChainConnection connection;
    Payer payer;

    @BeforeEach
    void start() throws Exception {
        rpc = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        rpc.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        rpc.createContext("/", ex -> {
            JsonNode req = JSON.readTree(ex.getRequestBody());
            ObjectNode resp = JSON.createObjectNode().put("jsonrpc", "2.0").set("id", req.get("id"));
            switch (req.path("method").asText()) {
                case "eth_chainId" -> resp.put("result", "0x7a69");
                case "eth_call" -> { // depositOf and redeemed: both one uint256
                    calls.incrementAndGet();
                    try {
                        thaw.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    resp.put("result", "0x" + String.format("%064x", deposit.get()));
                }
                default -> resp.putObject("error").put("code", -32601).put("message", "not here");
            }
            byte[] body = JSON.writeValueAsBytes(resp);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        rpc.start();
        connection = ChainConnection.open("http://127.0.0.1:" + rpc.getAddress().getPort(), ChainAccount.READ_ONLY);
        payer = new Payer(CLIENT, 31337, PAYMENTS, HttpClient.newHttpClient(), Optional.of(new PaymentsClient(connection, PAYMENTS)));
    }

    @AfterEach
    void stop() {
        thaw.countDown();
        payer.close();
        connection.close();
        rpc.stop(0);
    }

    @Test
    void a_frozen_chain_does_not_hold_requests_and_a_thawed_one_refuses_what_the_deposit_cannot_pay() {
        assertTimeoutPreemptively(HANG, () -> {
            payer.hold(BigInteger.TEN).close(); // the chain answers: a fresh read admits
            thaw = new CountDownLatch(1); // frozen
            int before = calls.get();
            payer.hold(BigInteger.TEN).close(); // the cached read admits at once
            // nothing cached covers 5000 wei and no fresh read comes back: served unchecked, the nodes' credit bounds it
            payer.hold(BigInteger.valueOf(5000)).close();
            assertThat(calls.get()).as("the deposit was asked for while frozen").isGreaterThan(before);
        });
        thaw.countDown();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThatThrownBy(() -> payer.hold(BigInteger.valueOf(5000)).close())
                        .isInstanceOfSatisfying(Payer.DepositShort.class, e -> {
                            assertThat(e.deposit).isEqualTo(BigInteger.valueOf(1000));
                            assertThat(e.price).isEqualTo(BigInteger.valueOf(5000));
                        }));
    }
}
