package io.verity.cli.bill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.ChainAccount;
import io.verity.chain.contracts.ChainClients;
import io.verity.cli.CliRun;
import io.verity.explorer.ExplorerConfig;
import io.verity.explorer.ExplorerServer;
import io.verity.gateway.Gateway;
import io.verity.gateway.GatewayConfig;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.llm.LlmEngine;
import io.verity.node.InferenceNode;
import io.verity.node.OpenAiSettings;
import io.verity.node.fixture.LlmNodes;
import io.verity.node.fixture.TinyLlmNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.json.VoucherJson;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.Voucher;
import io.verity.testing.RealInputs;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 16, bills you can reconcile: a demo client pays through the gateway for several chats and a Silero VAD
 * inference on two staked provider-proxy nodes, the nodes settle the receipts and redeem the vouchers, and {@code verity bill} (run as a
 * user runs it, through the cli's Main) lists every answer and reconciles each node to the wei, as the explorer's
 * {@code /api/payers/{address}} does; a voucher no receipt backs makes it fail. A second gateway paying from
 * another account asks for a model the nodes' upstream does not serve: it catches the substitution, which the
 * explorer's outcomes count, and that payer's bill shows receipts it never paid for.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class BillIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String HONEST = LlmNodes.TINY_LLAMA;
    static final String SWAPPED = "gpt-4o-mini";
    static final int CHATS = 4;
    static final int SUBSTITUTING_CLIENT = 5;

    @Order(1)
    @RegisterExtension static final TinyLlmNode upstream = TinyLlmNode.of(
            LlmEngine.Options.defaults(2, Path.of("target", "bill-it-llama.log")));
    @Order(2)
    @RegisterExtension static final LocalNetwork net = LocalNetwork.builder().nodes(2).clientAccount(4)
            .node((i, c) -> c.withPrice(BigInteger.TEN.pow(9)).withOpenAi(OpenAiSettings.NONE.withUpstream(
                    new OpenAiSettings.Upstream(URI.create(upstream.url() + "/v1"), Optional.empty(),
                            Map.of(HONEST, HONEST, SWAPPED, HONEST), Duration.ofSeconds(20)))))
            .build();
    static Gateway substituting; // pays from another account, and is the gateway the explorer reads evidence from
    static ExplorerServer explorer;
    static HttpClient http;
    static EvmAddress payer;
    /** What the chats cost, per node, from the receipts the client got. */
    static final Map<EvmAddress, BigInteger> paid = new HashMap<>();
    static final List<String> ids = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        http = HttpClient.newHttpClient();
        payer = net.gateway().clientAccount().orElseThrow();
        substituting = Gateway.start(GatewayConfig.builder(net.dir().resolve("gateway-5"), net.chain().deploymentFile())
                .clientKey(net.chain().account(SUBSTITUTING_CLIENT).privateKeyHex()).deposit(BigInteger.TEN.pow(18))
                .refreshInterval(Duration.ofMillis(300)).build());
        explorer = ExplorerServer.start(ExplorerConfig.defaults(net.dir().resolve("explorer"), net.chain().deploymentFile())
                .withGateway(substituting.url()).withPollInterval(Duration.ofMillis(200)));
        await().atMost(Duration.ofSeconds(30)).until(() -> get(net.gateway().url(), "/v1/models").toString().contains(HONEST)
                && get(substituting.url(), "/v1/models").toString().contains(SWAPPED));
    }

    @AfterAll
    static void stop() {
        if (explorer != null) explorer.close();
        if (substituting != null) substituting.close();
        if (http != null) http.close();
    }

    /** One test, as its steps build on each other: a voucher no receipt backs would spoil the reconciliation. */
    @Test
    void verity_bill_lists_every_paid_chat_reconciles_each_node_to_the_wei_and_fails_on_a_voucher_no_receipt_backs() throws Exception {
        for (int i = 0; i < CHATS; i++) {
            HttpResponse<String> r = chat(net.gateway().url(), HONEST, "Hello " + i);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            SignedReceipt receipt = ReceiptJson.read(JSON.readTree(r.body()).at("/verity/receipt"), "");
            assertThat(receipt.receipt().v2().payer()).isEqualTo(payer);
            paid.merge(receipt.receipt().node(), receipt.receipt().price(), BigInteger::add);
            ids.add(receipt.id().toHex());
        }
        // a tensor inference is paid too: /v1/infer signs format 2 when it is paid, so it is on the bill
        ObjectNode vad = JSON.createObjectNode().put("model", "silero-vad");
        RealInputs.sileroVadV5(42).forEach(t -> vad.withArray("inputs").add(TensorJson.write(t)));
        HttpResponse<String> inferred = http.send(HttpRequest.newBuilder(net.gateway().url().resolve("/v1/infer"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(vad.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(inferred.statusCode()).as(inferred.body()).isEqualTo(200);
        SignedReceipt tensor = ReceiptJson.read(JSON.readTree(inferred.body()).at("/receipts/0"), "");
        assertThat(tensor.receipt().version()).isEqualTo(2);
        assertThat(tensor.receipt().v2().payer()).isEqualTo(payer);
        // the gateway asks nodes by digest, so that is the model asked for (and served: the hub ran exactly that)
        assertThat(tensor.receipt().v2().requestedModel()).isEqualTo(tensor.receipt().modelDigest().toHex());
        assertThat(tensor.receipt().v2().servedAsRequested()).isTrue();
        paid.merge(tensor.receipt().node(), tensor.receipt().price(), BigInteger::add);
        ids.add(tensor.id().toHex());
        // the nodes redeem the gateway's vouchers on chain, and settle the receipts in batches the explorer indexes
        try (ChainClients chain = ChainClients.connect(net.chain().deployment(), ChainAccount.READ_ONLY)) {
            await("vouchers redeemed on chain").atMost(Duration.ofSeconds(30)).untilAsserted(() -> paid.forEach((node, wei) ->
                    assertThat(chain.payments().redeemed(payer, node)).as("redeemed by %s", node).isEqualTo(wei)));
        }
        CliRun json = await("verity bill reconciles").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> bill(payer, "--format", "json"), r -> r.exit() == 0);
        JsonNode b = JSON.readTree(json.out());
        assertThat(b.get("ok").asBoolean()).isTrue();
        List<String> listed = new ArrayList<>();
        b.get("answersInRange").forEach(a -> listed.add(a.get("id").asText()));
        assertThat(listed).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(b.get("nodes")).hasSize(paid.size());
        for (JsonNode n : b.get("nodes")) {
            BigInteger wei = paid.get(EvmAddress.parse(n.get("node").asText()));
            assertThat(new BigInteger(n.get("receiptsSum").asText())).isEqualTo(wei);
            assertThat(new BigInteger(n.get("latestVoucher").asText())).isEqualTo(wei);
            assertThat(new BigInteger(n.get("redeemed").asText())).isEqualTo(wei);
            assertThat(n.get("unredeemed").asText()).isEqualTo("0");
        }
        // each answer names the voucher total that pays for it: a node's last answer's is its whole channel
        for (JsonNode a : b.get("answersInRange")) {
            assertThat(new BigInteger(a.get("voucher").asText())).isLessThanOrEqualTo(paid.get(EvmAddress.parse(a.get("node").asText())));
            if (a.get("requestedModel").asText().equals(HONEST)) assertThat(a.get("completionTokens").asLong()).isPositive();
            else assertThat(a.get("requestedModel").asText()).isEqualTo(a.get("modelDigest").asText());
        }

        CliRun table = bill(payer);
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.out()).contains("RECONCILED", (CHATS + 1) + " answer(s)").contains(ids);
        CliRun csv = bill(payer, "--format", "csv");
        assertThat(csv.out().split("\r\n")).hasSize(1 + CHATS + 1 + 1 + 1 + paid.size())
                .startsWith("time,receipt,node,requested model,served model,prompt tokens,completion tokens,price (wei),voucher (wei)");
        CliRun none = bill(payer, "--from", "2020-01-01", "--to", "2020-01-02", "--format", "json");
        assertThat(none.exit()).as("the range only chooses what is listed; the channel still reconciles").isZero();
        assertThat(JSON.readTree(none.out()).get("answersInRange")).isEmpty();

        // the explorer says the same, to the wei
        JsonNode api = get(explorer.url(), "/api/payers/" + payer);
        assertThat(api.get("ok").asBoolean()).isTrue();
        assertThat(api.get("nodes")).isEqualTo(b.get("nodes"));
        String page = http.send(HttpRequest.newBuilder(explorer.url().resolve("/payers/" + payer)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(page).contains("id=\"payer-nodes\"", "RECONCILED", ids.getFirst());
        HttpResponse<String> found = http.send(HttpRequest.newBuilder(explorer.url().resolve("/search?q=" + payer)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(found.statusCode()).isEqualTo(302);
        assertThat(found.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/payers/" + payer));

        // then a voucher no receipt backs is a mismatch and verity bill fails naming it
        InferenceNode node = net.node(1);
        BigInteger held = paid.getOrDefault(node.address(), BigInteger.ZERO);
        // the payer's key signs 1000 wei more than its receipts from node 1 add up to, as a gateway overcharging it would
        var v = new Voucher(payer, node.address(), held.add(BigInteger.valueOf(1000)))
                .sign(net.chain().account(4).key(), net.chain().chainId(), net.chain().deployment().payments());
        HttpResponse<String> sent = http.send(HttpRequest.newBuilder(node.url().resolve("/v1/vouchers"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(
                        VoucherJson.write(new VoucherJson.Envelope(v, VoucherJson.domain(net.chain().chainId(),
                                net.chain().deployment().payments())))))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
        CliRun failed = bill(payer);
        assertThat(failed.exit()).as(failed.out()).isEqualTo(1);
        assertThat(failed.out()).contains("MISMATCH");
        assertThat(failed.err()).contains("MISMATCH: the payer's latest voucher to node " + node.address(),
                "1000 wei paid that no receipt backs");
        JsonNode mismatch = await().atMost(Duration.ofSeconds(5)).until(() -> get(explorer.url(), "/api/payers/" + payer),
                a -> !a.get("ok").asBoolean());
        assertThat(mismatch.toString()).contains("1000 wei paid that no receipt backs");
    }

    @Test
    void bad_input_is_refused_naming_the_flag_or_parameter() throws Exception {
        CliRun badPayer = bill(null, "--payer", "0x1234");
        assertThat(badPayer.exit()).isEqualTo(2);
        assertThat(badPayer.err()).contains("--payer: must be an address");
        CliRun badFrom = bill(payer, "--from", "yesterday");
        assertThat(badFrom.exit()).isEqualTo(2);
        assertThat(badFrom.err()).contains("--from: expected an ISO-8601 time");
        CliRun backwards = bill(payer, "--from", "now", "--to", "7d");
        assertThat(backwards.exit()).isEqualTo(2);
        assertThat(backwards.err()).contains("--from").contains("is after --to");
        CliRun badFormat = bill(payer, "--format", "xml");
        assertThat(badFormat.exit()).isEqualTo(2);
        assertThat(badFormat.err()).contains("--format");

        HttpResponse<String> r = http.send(HttpRequest.newBuilder(explorer.url().resolve("/api/payers/0xnope")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/errors/0/pointer").asText()).isEqualTo("address");
        r = http.send(HttpRequest.newBuilder(explorer.url().resolve("/api/payers/" + payer + "?from=soon")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/errors/0/pointer").asText()).isEqualTo("from");
    }

    @Test
    void a_caught_substitution_is_counted_in_the_outcomes_and_its_unpaid_receipts_show_in_that_payers_bill() throws Exception {
        HttpResponse<String> r = chat(substituting.url(), SWAPPED, "Hello");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(502); // both nodes served tiny-llama for gpt-4o-mini
        await("the outcomes count it").atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (InferenceNode n : net.nodes()) {
                assertThat(get(explorer.url(), "/api/outcomes/nodes/" + n.address()).get("substitutionsCaught").asLong())
                        .as("node %s", n.address()).isEqualTo(1);
            }
        });
        EvmAddress other = substituting.clientAccount().orElseThrow();
        CliRun bill = await("the refused answers' receipts settle").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> bill(other, "--format", "json"), b -> tree(b.out()).path("answersInRange").size() == 2);
        assertThat(bill.exit()).isEqualTo(1);
        assertThat(bill.err()).contains("of receipts the payer did not pay for");
    }

    static CliRun bill(EvmAddress who, String... more) {
        List<String> args = new ArrayList<>(List.of("bill", "--explorer", explorer.url().toString(),
                "--deployment", net.chain().deploymentFile().toString()));
        if (who != null) args.addAll(List.of("--payer", who.toString()));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            return JSON.missingNode();
        }
    }

    static HttpResponse<String> chat(URI gateway, String model, String text) throws Exception {
        String body = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}],"
                + "\"temperature\":0,\"max_tokens\":6}";
        return http.send(HttpRequest.newBuilder(gateway.resolve("/v1/chat/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode get(URI base, String path) throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }
}
