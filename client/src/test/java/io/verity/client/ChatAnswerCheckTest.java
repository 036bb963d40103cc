package io.verity.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.client.UnverifiedAnswerException.Check;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.AskedModel;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.ReceiptV2;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.VerificationMode;
import java.math.BigInteger;
import java.util.Optional;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ChatAnswerCheckTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final NodeKey KEY = NodeKey.fromPrivateKey("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    static final Eip712Domain DOMAIN = Eip712Domain.verity(31337, EvmAddress.parse("0x5FbDB2315678afecb367f032d93F642f64180aa3"));
    static final Keccak256 H = Keccak256.hash(new byte[] {7});

    static ObjectNode answer(String requested, String served) {
        Receipt r = new Receipt(1, H, H, "openai-proxy/1", H, H, Keccak256.ZERO, KEY.address(), Keccak256.ZERO,
                VerificationMode.NONE, BigInteger.TEN, 1_764_000_000_000L)
                .withV2(ReceiptV2.served(requested, served, "https://api.example.com/v1", 3, 4));
        ObjectNode a = JSON.createObjectNode();
        a.putObject("verity").set("receipt", ReceiptJson.write(SignedReceipt.sign(r, DOMAIN, KEY)));
        return a;
    }

    @Test
    void an_answer_served_as_asked_returns_its_receipts() {
        assertThat(ChatAnswerCheck.verify(answer("gpt-4o-mini", "gpt-4o-mini-2024-07-18"), AskedModel.named("gpt-4o-mini"), DOMAIN))
                .singleElement().satisfies(r -> assertThat(r.receipt().v2().completionTokens()).isEqualTo(4));
    }

    @Test
    void each_failure_names_its_check() {
        assertThatThrownBy(() -> ChatAnswerCheck.verify(JSON.createObjectNode(), AskedModel.named("m"), DOMAIN))
                .isInstanceOfSatisfying(UnverifiedAnswerException.class, e -> assertThat(e.check()).isEqualTo(Check.RESPONSE_FORMAT))
                .hasMessage("RESPONSE_FORMAT: the answer carries no verity.receipt");
        assertThatThrownBy(() -> ChatAnswerCheck.verify(answer("m", "m"), AskedModel.named("m"), Eip712Domain.LOCAL))
                .isInstanceOfSatisfying(UnverifiedAnswerException.class, e -> assertThat(e.check()).isEqualTo(Check.DOMAIN));
        ObjectNode forged = answer("m", "m");
        ((ObjectNode) forged.at("/verity/receipt")).put("servedModel", "n").remove("id");
        assertThatThrownBy(() -> ChatAnswerCheck.verify(forged, AskedModel.named("m"), DOMAIN))
                .isInstanceOfSatisfying(UnverifiedAnswerException.class, e -> assertThat(e.check()).isEqualTo(Check.SIGNATURE));
        assertThatThrownBy(() -> ChatAnswerCheck.verify(answer("gpt-4o", "gpt-4o-mini"), AskedModel.named("gpt-4o"), DOMAIN))
                .isInstanceOfSatisfying(UnverifiedAnswerException.class, e -> assertThat(e.check()).isEqualTo(Check.SUBSTITUTION))
                .hasMessageEndingWith("model substitution: asked for 'gpt-4o', served by 'gpt-4o-mini' at "
                        + "https://api.example.com/v1; set verity.allow_substitution to accept another model");
        assertThat(ChatAnswerCheck.verify(answer("gpt-4o", "gpt-4o-mini"), new AskedModel("gpt-4o", Optional.empty(), true), DOMAIN))
                .hasSize(1);
        assertThatThrownBy(() -> ChatAnswerCheck.verify(answer("m", "m"), new AskedModel("m", Optional.of(Keccak256.ZERO), true), DOMAIN))
                .isInstanceOfSatisfying(UnverifiedAnswerException.class, e -> assertThat(e.check()).isEqualTo(Check.SUBSTITUTION));
    }
}
