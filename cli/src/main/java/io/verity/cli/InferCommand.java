package io.verity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "infer", mixinStandardHelpOptions = true,
        description = "Run one inference on a node and print the outputs and the signed receipt.")
final class InferCommand implements Callable<Integer> {
    @Option(names = "--node", required = true, description = "node URL, e.g. http://127.0.0.1:7070")
    URI node;

    @Option(names = "--model", required = true, description = "model name, name@version or 0x digest")
    String model;

    @Option(names = "--input", required = true,
            description = "JSON file: an array of tensors {name, dtype, shape, data}, or {\"inputs\": [...]}")
    Path input;

    @Option(names = "--request-id", description = "0x + 64 hex digits; the node picks a random one if absent")
    String requestId;

    @Option(names = "--out", description = "also save the full response {outputs, receipt} to this file (for verity verify)")
    Path out;

    @Override
    public Integer call() throws Exception {
        JsonNode inputs = TensorFiles.tensorArray(input, TensorFiles.readJson(input), "inputs");
        NodeClient.Answer answer = new NodeClient(node).infer(model, inputs, requestId);
        String pretty = NodeClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer.raw());
        if (out != null) Files.writeString(out, pretty + "\n");
        System.out.println(pretty);
        return 0;
    }
}
