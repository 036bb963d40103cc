package io.verity.protocol.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.SampleReceiptsAccess;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;

/**
 * Mutated JSON raises only the expected exceptions: Jackson's parse error or InvalidFieldException with at
 * least one pointer; never a NullPointerException, ArithmeticException or the like.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class JsonFuzzPropertyTest {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String TENSORS = "[{\"name\":\"x\",\"dtype\":\"float32\",\"shape\":[2,2],\"data\":[0.5,1,-2,\"NaN\"]},"
            + "{\"name\":\"h\",\"dtype\":\"float16\",\"shape\":[1],\"b64\":\"ADw=\"},"
            + "{\"name\":\"s\",\"dtype\":\"string\",\"shape\":[],\"data\":[\"ab\"]},"
            + "{\"name\":\"n\",\"dtype\":\"int64\",\"shape\":[2],\"data\":[9007199254740993,-1]}]";
    static final String RECEIPT;

    static {
        NodeKey key = NodeKey.fromPrivateKey("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
        RECEIPT = ReceiptJson.write(SignedReceipt.sign(SampleReceiptsAccess.random(new Random(1), key.address()),
                Eip712Domain.LOCAL, key)).toString();
    }

    @Property(tries = 1000)
    void mutated_tensor_json_is_read_or_refused_with_pointers(@ForAll long seed) {
        JsonNode node = parse(mutate(TENSORS, new Random(seed)));
        if (node == null) return;
        Refusals.readOrRefused(() -> TensorJson.readList(node, "/inputs"), "/inputs");
    }

    @Property(tries = 1000)
    void mutated_receipt_json_is_read_or_refused_with_pointers(@ForAll long seed) {
        JsonNode node = parse(mutate(RECEIPT, new Random(seed)));
        if (node == null) return;
        Refusals.readOrRefused(() -> ReceiptJson.read(node, "/receipt").verify(), "/receipt"); // verify must not throw either
    }

    /** Replaces, deletes or inserts a few characters, favouring JSON's structural ones. */
    static String mutate(String s, Random r) {
        StringBuilder b = new StringBuilder(s);
        String alphabet = "{}[]\",:-0123456789eE.abcfxNaIy ";
        for (int i = 0, n = 1 + r.nextInt(3); i < n && b.length() > 1; i++) {
            int at = r.nextInt(b.length());
            char c = alphabet.charAt(r.nextInt(alphabet.length()));
            switch (r.nextInt(3)) {
                case 0 -> b.setCharAt(at, c);
                case 1 -> b.deleteCharAt(at);
                default -> b.insert(at, c);
            }
        }
        return b.toString();
    }

    static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return null; // not JSON at all: the HTTP layer's parse error, not ours
        }
    }
}
