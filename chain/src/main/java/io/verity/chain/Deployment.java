package io.verity.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.EvmAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

/**
 * Where Verity's contracts live on one chain. Written as JSON next to the devnet's state so nodes and the
 * CLI find it:
 * <pre>{"chainId": 31337, "rpc": "http://127.0.0.1:8545", "deployBlock": 1,
 *  "contracts": {"NodeRegistry": "0x…", "ModelRegistry": "0x…", "Settlement": "0x…", "Payments": "0x…",
 *                "DisputeGame": "0x…", "CommitteeDisputes": "0x…"}}</pre>
 *
 * @param disputeGame       null for a deployment made before DisputeGame existed (Devnet adds one when it resumes it)
 * @param committeeDisputes null for a deployment made before CommitteeDisputes existed (likewise)
 */
public record Deployment(long chainId, String rpcUrl, EvmAddress nodeRegistry, EvmAddress modelRegistry,
                         EvmAddress settlement, EvmAddress payments, long deployBlock, EvmAddress disputeGame,
                         EvmAddress committeeDisputes) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public Deployment {
        if (chainId <= 0) throw new IllegalArgumentException("chainId must be > 0, got " + chainId);
        Objects.requireNonNull(rpcUrl, "rpcUrl");
        Objects.requireNonNull(nodeRegistry, "nodeRegistry");
        Objects.requireNonNull(modelRegistry, "modelRegistry");
        Objects.requireNonNull(settlement, "settlement");
        Objects.requireNonNull(payments, "payments");
    }

    /** A deployment without CommitteeDisputes. */
    public Deployment(long chainId, String rpcUrl, EvmAddress nodeRegistry, EvmAddress modelRegistry,
                      EvmAddress settlement, EvmAddress payments, long deployBlock, EvmAddress disputeGame) {
        this(chainId, rpcUrl, nodeRegistry, modelRegistry, settlement, payments, deployBlock, disputeGame, null);
    }

    /** A deployment without DisputeGame. */
    public Deployment(long chainId, String rpcUrl, EvmAddress nodeRegistry, EvmAddress modelRegistry,
                      EvmAddress settlement, EvmAddress payments, long deployBlock) {
        this(chainId, rpcUrl, nodeRegistry, modelRegistry, settlement, payments, deployBlock, null, null);
    }

    public Deployment withRpcUrl(String rpc) {
        return new Deployment(chainId, rpc, nodeRegistry, modelRegistry, settlement, payments, deployBlock, disputeGame,
                committeeDisputes);
    }

    public Deployment withDisputeGame(EvmAddress game) {
        return new Deployment(chainId, rpcUrl, nodeRegistry, modelRegistry, settlement, payments, deployBlock, game,
                committeeDisputes);
    }

    public Deployment withCommitteeDisputes(EvmAddress committee) {
        return new Deployment(chainId, rpcUrl, nodeRegistry, modelRegistry, settlement, payments, deployBlock, disputeGame,
                committee);
    }

    /** @throws IllegalStateException when this deployment has no CommitteeDisputes */
    public EvmAddress requireCommitteeDisputes() {
        if (committeeDisputes == null) throw new IllegalStateException("this deployment has no CommitteeDisputes contract");
        return committeeDisputes;
    }

    /** @throws IllegalStateException when this deployment has no DisputeGame */
    public EvmAddress requireDisputeGame() {
        if (disputeGame == null) throw new IllegalStateException("this deployment has no DisputeGame contract");
        return disputeGame;
    }

    /** Writes atomically (temp file + move), creating parent directories. */
    public void write(Path file) {
        ObjectNode root = JSON.createObjectNode();
        root.put("chainId", chainId);
        root.put("rpc", rpcUrl);
        root.put("deployBlock", deployBlock);
        ObjectNode c = root.putObject("contracts");
        c.put("NodeRegistry", nodeRegistry.toString());
        c.put("ModelRegistry", modelRegistry.toString());
        c.put("Settlement", settlement.toString());
        c.put("Payments", payments.toString());
        if (disputeGame != null) c.put("DisputeGame", disputeGame.toString());
        if (committeeDisputes != null) c.put("CommitteeDisputes", committeeDisputes.toString());
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".deployment", ".json");
            Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write deployment file " + file, e);
        }
    }

    /** @throws IllegalArgumentException naming the missing or malformed field */
    public static Deployment read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read deployment file " + file, e);
        }
        JsonNode c = root.path("contracts");
        return new Deployment(required(root, "chainId", file).asLong(), required(root, "rpc", file).asText(),
                EvmAddress.parse(required(c, "NodeRegistry", file).asText()),
                EvmAddress.parse(required(c, "ModelRegistry", file).asText()),
                EvmAddress.parse(required(c, "Settlement", file).asText()),
                EvmAddress.parse(required(c, "Payments", file).asText()), root.path("deployBlock").asLong(0),
                c.hasNonNull("DisputeGame") ? EvmAddress.parse(c.get("DisputeGame").asText()) : null,
                c.hasNonNull("CommitteeDisputes") ? EvmAddress.parse(c.get("CommitteeDisputes").asText()) : null);
    }

    private static JsonNode required(JsonNode node, String field, Path file) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) throw new IllegalArgumentException(file + ": missing field '" + field + "'");
        return v;
    }
}
