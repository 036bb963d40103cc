package io.verity.protocol.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.StrictJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.SampleReceiptsAccess;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class GatewayAnswerTest {
    static final long SEED = 14;
    static final NodeKey A = NodeKey.fromPrivateKey("0x" + "11".repeat(32));
    static final NodeKey B = NodeKey.fromPrivateKey("0x" + "22".repeat(32));
    static final Tensor OUT = Tensor.ofFloats("y", Shape.of(2), 0.5f, -1f);

    static SignedReceipt receipt(Random r, NodeKey key) {
        return SignedReceipt.sign(SampleReceiptsAccess.random(r, key.address()), Eip712Domain.LOCAL, key);
    }

    static GatewayAnswer sample() {
        Random r = new Random(SEED);
        SignedReceipt a = receipt(r, A), b = receipt(r, B);
        AnswerVerdict verdict = new AnswerVerdict(AnswerVerdict.Status.MAJORITY, 3, 2, AnswerVerdict.Comparison.BIT_EXACT,
                List.of(new AnswerVerdict.Dissent(EvmAddress.parse("0x" + "cd".repeat(20)), Keccak256.parse("0x" + "01".repeat(32)),
                        Keccak256.parse("0x" + "02".repeat(32)))), AnswerVerdict.Audit.NONE);
        return new GatewayAnswer(Keccak256.parse("0x" + "aa".repeat(32)), "silero-vad", Policy.parse("redundant:3"),
                List.of(OUT), List.of(a, b), verdict,
                List.of(new Payment(A.address(), BigInteger.TEN, new BigInteger("1000000000000000000000"))),
                List.of(new GatewayAnswer.Attempt(A.address(), URI.create("http://127.0.0.1:1"), "ok", 1.26, ""),
                        new GatewayAnswer.Attempt(B.address(), URI.create("http://127.0.0.1:2"), "timeout", 30000, "no answer in 30s")));
    }

    static JsonNode parse(byte[] json) {
        return StrictJson.standard().read(json);
    }

    @Test
    void reads_back_what_it_writes() {
        GatewayAnswer answer = sample();
        GatewayAnswer back = GatewayAnswer.read(parse(answer.toJson()));
        // ms is written to a tenth of a millisecond
        assertThat(back.attempts().getFirst().ms()).isEqualTo(1.3);
        assertThat(back).usingRecursiveComparison().ignoringFields("attempts").isEqualTo(answer);
        assertThat(back.attempts()).extracting(GatewayAnswer.Attempt::detail).containsExactly("", "no answer in 30s");
        assertThat(back.toJson()).isEqualTo(answer.toJson(parse(answer.toJson()).get("outputs")));
    }

    @Test
    void writes_the_members_in_the_documented_order_and_leaves_out_what_is_empty() {
        GatewayAnswer one = new GatewayAnswer(Keccak256.parse("0x" + "aa".repeat(32)), "m", Policy.NONE, List.of(OUT),
                List.of(receipt(new Random(SEED), A)), AnswerVerdict.single(), List.of(), List.of(
                        new GatewayAnswer.Attempt(A.address(), URI.create("http://h:1"), "ok", 2, "")));
        String json = new String(one.toJson(), StandardCharsets.UTF_8);
        assertThat(parse(one.toJson()).fieldNames()).toIterable().containsExactly("requestId", "model", "policy", "outputs",
                "receipts", "verdict", "payments", "attempts");
        // one answer: nothing compared, so no comparison member (as the gateway always wrote it)
        assertThat(json).contains("\"verdict\":{\"status\":\"single\",\"asked\":1,\"agreeing\":1,\"dissent\":[],\"audit\":\"none\"}");
        assertThat(json).contains("\"attempts\":[{\"node\":\"" + A.address() + "\",\"url\":\"http://h:1\",\"outcome\":\"ok\",\"ms\":2.0}]");
        assertThat(GatewayAnswer.read(parse(one.toJson())).verdict()).isEqualTo(AnswerVerdict.single());
    }

    @Test
    void relays_the_outputs_as_the_node_sent_them() {
        ObjectNode asSent = (ObjectNode) TensorJson.write(OUT);
        asSent.put("note", "kept");
        JsonNode written = parse(sample().toJson(parse(("[" + asSent + "]").getBytes(StandardCharsets.UTF_8))));
        assertThat(written.get("outputs").get(0).get("note").asText()).isEqualTo("kept");
    }

    @Test
    void bad_members_are_named_by_their_pointer() {
        assertBad(b -> b.put("policy", "twice"), "/policy");
        assertBad(b -> b.put("requestId", "0x12"), "/requestId");
        assertBad(b -> b.remove("model"), "/model");
        assertBad(b -> b.putArray("receipts"), "/receipts");
        assertBad(b -> ((ObjectNode) b.get("verdict")).put("status", "unanimous"), "/verdict/status");
        assertBad(b -> ((ObjectNode) b.get("verdict")).put("comparison", "roughly"), "/verdict/comparison");
        assertBad(b -> ((ObjectNode) b.get("verdict")).put("agreeing", 4), "/verdict/agreeing");
        assertBad(b -> ((ObjectNode) b.get("verdict").get("dissent").get(0)).put("node", "0x1"), "/verdict/dissent/0/node");
        assertBad(b -> ((ObjectNode) b.get("payments").get(0)).put("amount", "-1"), "/payments/0/amount");
        assertBad(b -> ((ObjectNode) b.get("payments").get(0)).put("amount", "99999999999999999999999"),
                "/payments/0/cumulativeAmount");
        assertBad(b -> ((ObjectNode) b.get("attempts").get(1)).put("ms", "slow"), "/attempts/1/ms");
        assertBad(b -> b.put("payments", 3), "/payments");
    }

    @Test
    void a_receipt_it_cannot_read_is_named_by_its_index() {
        ObjectNode body = (ObjectNode) parse(sample().toJson());
        ((ObjectNode) body.get("receipts").get(1)).remove("signature");
        assertThatThrownBy(() -> GatewayAnswer.read(body)).isInstanceOf(InvalidFieldException.class)
                .satisfies(e -> assertThat(((InvalidFieldException) e).errors()).extracting(FieldError::pointer)
                        .allMatch(p -> p.startsWith("/receipts/1")));
    }

    private static void assertBad(java.util.function.Consumer<ObjectNode> spoil, String pointer) {
        ObjectNode body = (ObjectNode) parse(sample().toJson());
        spoil.accept(body);
        assertThatThrownBy(() -> GatewayAnswer.read(body)).as(pointer).isInstanceOf(InvalidFieldException.class)
                .satisfies(e -> assertThat(((InvalidFieldException) e).errors()).extracting(FieldError::pointer)
                        .containsExactly(pointer));
    }
}
