package io.verity.protocol.receipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import java.math.BigInteger;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ReceiptV2Test {
    static final NodeKey KEY = SignedReceiptPropertyTest.key(7);

    @Test
    void the_type_string_nests_the_v1_struct_after_the_primary_type() {
        assertThat(ReceiptV2.EIP712_TYPE).isEqualTo("ReceiptV2(Receipt receipt,bytes32 requestedModel,bytes32 servedModel,"
                + "bytes32 provider,uint64 promptTokens,uint64 completionTokens,address payer,uint256 cumulativeAmount,"
                + "bytes32 prevReceipt,bytes32 attachmentsDigest)Receipt(uint16 version,bytes32 requestId,bytes32 modelDigest,"
                + "string engine,bytes32 inputsDigest,bytes32 outputsDigest,bytes32 traceRoot,address node,"
                + "bytes32 attestationDigest,uint8 verification,uint256 price,uint64 timestamp)");
    }

    @Test
    void a_served_model_matches_itself_or_a_dated_snapshot_of_it_and_nothing_else() {
        assertThat(served("gpt-4o-mini", "gpt-4o-mini").servedAsRequested()).isTrue();
        assertThat(served("gpt-4o-mini", "gpt-4o-mini-2024-07-18").servedAsRequested()).isTrue();
        assertThat(served("gpt-4", "gpt-4-0613").servedAsRequested()).isTrue();
        assertThat(served("claude-3", "claude-3-20240229").servedAsRequested()).isTrue();
        assertThat(served("gpt-4o", "gpt-4o-mini").servedAsRequested()).isFalse();
        assertThat(served("gpt-4o", "gpt-4o-mini-2024-07-18").servedAsRequested()).isFalse();
        assertThat(served("gpt-4o-mini", "gpt-3.5-turbo").servedAsRequested()).isFalse();
        assertThat(served("", "-2024-07-18").servedAsRequested()).isFalse();
        assertThat(served("gpt-4o-2024-08-06", "gpt-4o").servedAsRequested()).isFalse();
    }

    @Test
    void the_v2_fields_come_exactly_with_version_2() {
        Receipt v1 = SampleReceipts.random(new Random(1), KEY.address());
        ReceiptV2 x = served("m", "m");
        assertThat(v1.withV2(x).version()).isEqualTo(2);
        assertThatThrownBy(() -> new Receipt(1, v1.requestId(), v1.modelDigest(), v1.engine(), v1.inputsDigest(),
                v1.outputsDigest(), v1.traceRoot(), v1.node(), v1.attestationDigest(), v1.verification(), v1.price(),
                v1.timestamp(), x)).hasMessage("a receipt has the format-2 fields exactly when its version is 2, got version 1 with them");
        assertThatThrownBy(() -> new Receipt(2, v1.requestId(), v1.modelDigest(), v1.engine(), v1.inputsDigest(),
                v1.outputsDigest(), v1.traceRoot(), v1.node(), v1.attestationDigest(), v1.verification(), v1.price(),
                v1.timestamp())).hasMessage("a receipt has the format-2 fields exactly when its version is 2, got version 2 without them");
    }

    @Test
    void v2_fields_are_range_checked() {
        assertThatThrownBy(() -> ReceiptV2.served("m", "m", "", -1, 0)).hasMessage("promptTokens must be 0..9007199254740991, got -1");
        assertThatThrownBy(() -> ReceiptV2.served("m", "m", "", 0, -2)).hasMessage("completionTokens must be 0..9007199254740991, got -2");
        assertThatThrownBy(() -> ReceiptV2.served("m", "m", "", 1L << 53, 0))
                .hasMessage("promptTokens must be 0..9007199254740991, got 9007199254740992");
        assertThatThrownBy(() -> ReceiptV2.served("m\uD800", "m", "", 0, 0))
                .hasMessage("requestedModel, servedModel and provider must be valid Unicode, got an unpaired surrogate");
        assertThatThrownBy(() -> served("m", "m").withPayment(EvmAddress.ZERO, BigInteger.ONE.shiftLeft(256)))
                .hasMessageStartingWith("cumulativeAmount must be a uint256");
    }

    @Property(tries = 100)
    void a_signed_v2_receipt_verifies_and_its_id_is_not_its_v1_fields_id(@ForAll long seed) {
        NodeKey key = SignedReceiptPropertyTest.key(seed);
        Receipt v2 = SampleReceipts.randomV2(new Random(seed), key.address());
        SignedReceipt signed = SignedReceipt.sign(v2, Eip712Domain.LOCAL, key);
        assertThat(signed.verify()).isEqualTo(new ReceiptVerdict.Verified(key.address(), v2.id(Eip712Domain.LOCAL)));
        Receipt sameFieldsV1 = new Receipt(1, v2.requestId(), v2.modelDigest(), v2.engine(), v2.inputsDigest(),
                v2.outputsDigest(), v2.traceRoot(), v2.node(), v2.attestationDigest(), v2.verification(), v2.price(),
                v2.timestamp());
        assertThat(sameFieldsV1.id(Eip712Domain.LOCAL)).isNotEqualTo(signed.id());
    }

    /** Every v2 field is signed: changing any one of them changes the id, so the old signature no longer recovers the node. */
    @Property(tries = 200)
    void changing_any_v2_field_breaks_the_signature(@ForAll long seed, @ForAll @IntRange(max = 8) int field) {
        NodeKey key = SignedReceiptPropertyTest.key(seed);
        Receipt r = SampleReceipts.randomV2(new Random(seed), key.address());
        SignedReceipt signed = SignedReceipt.sign(r, Eip712Domain.LOCAL, key);
        ReceiptV2 x = r.v2();
        ReceiptV2 changed = new ReceiptV2(
                field == 0 ? x.requestedModel() + "x" : x.requestedModel(),
                field == 1 ? x.servedModel() + "x" : x.servedModel(),
                field == 2 ? x.provider() + "x" : x.provider(),
                field == 3 ? x.promptTokens() + 1 : x.promptTokens(),
                field == 4 ? x.completionTokens() ^ 1 : x.completionTokens(),
                field == 5 ? EvmAddress.parse("0x00000000000000000000000000000000000000ff") : x.payer(),
                field == 6 ? x.cumulativeAmount().flipBit(0) : x.cumulativeAmount(),
                field == 7 ? Keccak256.hash(x.prevReceipt().toArray()) : x.prevReceipt(),
                field == 8 ? Keccak256.hash(x.attachmentsDigest().toArray()) : x.attachmentsDigest());
        if (field == 5 && x.payer().equals(changed.payer())) return; // the random payer was this one already
        SignedReceipt forged = new SignedReceipt(r.withV2(changed), Eip712Domain.LOCAL, signed.signature());
        assertThat(forged.id()).isNotEqualTo(signed.id());
        assertThat(forged.verify()).isInstanceOf(ReceiptVerdict.Invalid.class);
    }

    @Test
    void the_json_of_a_version_2_receipt_must_carry_the_v2_members() {
        SignedReceipt signed = SignedReceipt.sign(SampleReceipts.randomV2(new Random(3), KEY.address()), Eip712Domain.LOCAL, KEY);
        var json = io.verity.protocol.json.ReceiptJson.write(signed);
        assertThat(json.get("version").asInt()).isEqualTo(2);
        assertThat(json.get("requestedModel").asText()).isEqualTo(signed.receipt().v2().requestedModel());
        json.remove("servedModel");
        json.put("promptTokens", -1);
        assertThatThrownBy(() -> io.verity.protocol.json.ReceiptJson.read(json, "/receipt"))
                .hasMessageContaining("/receipt/servedModel: is required")
                .hasMessageContaining("/receipt/promptTokens: must be an integer between 0 and 9007199254740991, got -1");
    }

    @Test
    void an_asked_model_names_the_substitution_the_pin_and_a_false_requested_model() {
        Receipt base = SampleReceipts.random(new Random(5), KEY.address());
        Receipt honest = base.withV2(ReceiptV2.served("gpt-4o-mini", "gpt-4o-mini-2024-07-18", "https://api.openai.com/v1", 3, 4));
        Receipt swapped = base.withV2(ReceiptV2.served("gpt-4o-mini", "gpt-3.5-turbo", "https://api.openai.com/v1", 3, 4));
        assertThat(AskedModel.named("gpt-4o-mini").problem(honest)).isEmpty();
        assertThat(AskedModel.named("gpt-4o-mini").problem(swapped)).contains("model substitution: asked for 'gpt-4o-mini', "
                + "served by 'gpt-3.5-turbo' at https://api.openai.com/v1; set verity.allow_substitution to accept another model");
        assertThat(new AskedModel("gpt-4o-mini", java.util.Optional.empty(), true).problem(swapped)).isEmpty();
        assertThat(AskedModel.named("gpt-4o").problem(honest))
                .contains("the receipt says the request asked for 'gpt-4o-mini', it asked for 'gpt-4o'");
        Keccak256 other = Keccak256.hash(new byte[] {9});
        assertThat(new AskedModel("gpt-4o-mini", java.util.Optional.of(other), true).problem(honest))
                .contains("model digest " + base.modelDigest() + " is not the pinned " + other);
        assertThat(new AskedModel("x", java.util.Optional.of(base.modelDigest()), false).problem(base)).isEmpty(); // v1: the pin only
    }

    static ReceiptV2 served(String requested, String served) {
        return ReceiptV2.served(requested, served, "", 0, 0);
    }
}
