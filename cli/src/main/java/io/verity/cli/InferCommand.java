package io.verity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.client.NodeApiClient;
import io.verity.protocol.policy.Policy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "infer", mixinStandardHelpOptions = true,
        description = "Run one inference on a node, or through a gateway under a verification policy, and print the outputs and the signed receipt(s).")
public final class InferCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--node", required = true, description = "node URL, e.g. http://127.0.0.1:7071")
        URI node;

        @Option(names = "--gateway", required = true, description = "gateway URL, e.g. http://127.0.0.1:7070")
        URI gateway;
    }

    @Option(names = "--policy", description = "with --gateway: none, redundant:k, sample:p or tee (default: the gateway's)")
    String policy;

    @Option(names = "--model", required = true, description = "model name, name@version or 0x digest")
    String model;

    @Option(names = "--input", required = true,
            description = "JSON file: an array of tensors {name, dtype, shape, data}, or {\"inputs\": [...]}")
    Path input;

    @Option(names = "--request-id", description = "0x + 64 hex digits; the node picks a random one if absent")
    String requestId;

    @Option(names = "--out", description = "also save the full response ({outputs, receipt} or a gateway's {outputs, receipts, ...}) to this file, for verity verify")
    Path out;

    @Override
    public Integer call() throws Exception {
        JsonNode inputs = TensorFiles.tensorArray(input, TensorFiles.readJson(input), "inputs");
        if (policy != null && target.gateway == null) {
            throw new TensorFiles.UsageError("--policy needs --gateway: a node answers alone (policy none)");
        }
        if (policy != null) {
            try {
                Policy.parse(policy);
            } catch (IllegalArgumentException e) {
                throw new TensorFiles.UsageError("--policy: " + e.getMessage());
            }
        }
        ObjectNode body = Main.JSON.createObjectNode();
        body.put("model", model);
        body.set("inputs", inputs); // as the user wrote them: the node or gateway judges them and names a bad field
        if (requestId != null) body.put("requestId", requestId);
        JsonNode raw;
        if (target.gateway != null) {
            if (policy != null) body.put("policy", policy);
            try (NodeApiClient gateway = NodeApiClient.of(target.gateway)) {
                raw = gateway.post("/v1/infer", body, Map.of()); // a gateway's answer has its own shape
            }
        } else {
            try (NodeApiClient node = NodeApiClient.of(target.node)) {
                raw = node.infer(body).raw();
            }
        }
        String pretty = Main.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(raw);
        if (out != null) Files.writeString(out, pretty + "\n");
        System.out.println(pretty);
        return 0;
    }
}
