package io.verity.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** ABI and creation bytecode of one compiled contract, as the build's solc step wrote them to the classpath. */
public record ContractArtifact(String name, JsonNode abi, String bytecode) {
    static final List<String> ALL =
            List.of("NodeRegistry", "ModelRegistry", "Settlement", "Payments", "DisputeGame");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, ContractArtifact> CACHE = new ConcurrentHashMap<>();

    public static ContractArtifact load(String name) {
        return CACHE.computeIfAbsent(name, ContractArtifact::read);
    }

    private static ContractArtifact read(String name) {
        String resource = "contracts/" + name + ".json";
        try (InputStream in = ContractArtifact.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("contract artifact io/verity/chain/" + resource
                        + " is not on the classpath; the build compiles it (mvn generate-resources in chain/)");
            }
            JsonNode root = JSON.readTree(in);
            return new ContractArtifact(name, root.get("abi"), root.get("bytecode").asText());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read contract artifact " + resource, e);
        }
    }
}
