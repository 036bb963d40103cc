package io.verity.protocol.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Golden;
import io.verity.protocol.Keccak256;
import java.util.ArrayList;
import java.util.List;

/** Every signature in the golden vectors (made by ethers): receipts, raw digests, vouchers. */
record GoldenSignatures(String privateKey, Keccak256 digest, Signature signature, EvmAddress signer) {
    static List<GoldenSignatures> all() {
        List<GoldenSignatures> all = new ArrayList<>();
        JsonNode eip712 = Golden.load("eip712/vectors.json");
        for (JsonNode v : eip712.get("receipts")) {
            JsonNode json = v.get("json");
            all.add(of(v, json.get("id"), json.get("signature"), json.get("node")));
        }
        for (JsonNode v : eip712.get("signatures")) all.add(of(v, v.get("digest"), v.get("signature"), v.get("address")));
        for (JsonNode v : Golden.load("vouchers/vectors.json").get("vouchers")) {
            all.add(of(v, v.get("digest"), v.get("signature"), v.get("client")));
        }
        return all;
    }

    private static GoldenSignatures of(JsonNode v, JsonNode digest, JsonNode signature, JsonNode signer) {
        return new GoldenSignatures(v.get("privateKey").asText(), Keccak256.parse(digest.asText()),
                Signature.parse(signature.asText()), EvmAddress.parse(signer.asText()));
    }
}
