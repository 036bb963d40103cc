package io.verity.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.protocol.Hex;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ABI, creation bytecode and runtime bytecode of one compiled contract, as the build's solc step wrote them to the
 * classpath.
 *
 * @param deployedBytecode the runtime code, with zeros where the constructor writes immutables
 * @param immutables       those places: {start, length} byte ranges of {@code deployedBytecode}
 */
public record ContractArtifact(String name, JsonNode abi, String bytecode, String deployedBytecode, List<int[]> immutables) {
    static final List<String> ALL =
            List.of("NodeRegistry", "ModelRegistry", "Settlement", "Payments", "DisputeGame", "CommitteeDisputes");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, ContractArtifact> CACHE = new ConcurrentHashMap<>();

    public ContractArtifact {
        immutables = List.copyOf(immutables);
    }

    public static ContractArtifact load(String name) {
        return CACHE.computeIfAbsent(name, ContractArtifact::read);
    }

    /**
     * True when {@code code} (as eth_getCode returned it) is this build's runtime code: equal byte for byte except
     * in the immutables, which hold constructor arguments (checked separately, through the contract's getters).
     */
    public boolean isRuntimeCode(String code) {
        byte[] expected = Hex.decode(deployedBytecode);
        byte[] actual = code == null ? new byte[0] : Hex.decode(code);
        if (expected.length != actual.length || expected.length == 0) return false;
        for (int[] r : immutables) {
            for (int i = r[0]; i < r[0] + r[1]; i++) actual[i] = 0;
        }
        return java.util.Arrays.equals(expected, actual);
    }

    private static ContractArtifact read(String name) {
        String resource = "contracts/" + name + ".json";
        try (InputStream in = ContractArtifact.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("contract artifact io/verity/chain/" + resource
                        + " is not on the classpath; the build compiles it (mvn generate-resources in chain/)");
            }
            JsonNode root = JSON.readTree(in);
            List<int[]> immutables = new ArrayList<>();
            for (JsonNode r : root.path("immutableReferences")) immutables.add(new int[] {r.get("start").asInt(), r.get("length").asInt()});
            return new ContractArtifact(name, root.get("abi"), root.get("bytecode").asText(),
                    root.path("deployedBytecode").asText("0x"), immutables);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read contract artifact " + resource, e);
        }
    }
}
