package io.verity.cli.verify;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.chain.ChainException;
import io.verity.chain.Deployment;
import io.verity.cli.ChainOptions;
import io.verity.cli.Checks;
import io.verity.cli.Main;
import io.verity.cli.OnChainCheck;
import io.verity.cli.TensorFiles;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check a receipt: its EIP-712 signature, the input/output digests when the data is given, and on chain"
                + " its signer's stake, its batch's inclusion and the signer's attestation.",
                "Give a receipt file, or just its id (0x…: fetched from the nodes registered on chain) or its explorer"
                + " page (http://…/receipts/0x…).",
                "Exit 0 when every check passes, 1 naming the failed check, 2 for unreadable input."})
public final class VerifyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RECEIPT", arity = "0..1",
            description = "a receipt file, or a saved response {outputs, receipt} (its outputs are then checked too);"
                    + " or a receipt id 0x…, or an explorer URL …/receipts/0x…")
    String receiptArg;

    private Path receiptFile;

    @Option(names = "--transcript", paramLabel = "FILE", description = {"a saved OpenAI-style exchange "
            + "{path?, request, response}: response is the answer with its verity object, or chunks: the SSE chunks;",
            "the request and response digests are recomputed (RFC 8785, docs/llm.md) and must be the receipt's"})
    Path transcript;

    @Option(names = "--inputs", description = "the inputs sent: array of tensors or {\"inputs\": [...]}")
    Path inputs;

    @Option(names = "--outputs", description = "the outputs received: array of tensors or {\"outputs\": [...]}")
    Path outputs;

    @Option(names = "--offline", description = "skip the on-chain checks")
    boolean offline;

    @Mixin
    ChainOptions chainOptions = new ChainOptions();

    @Option(names = "--proof", description = "inclusion proof JSON {batchId, proof}; default: asked from the node's registered endpoint")
    Path proof;

    @Override
    public Integer call() throws Exception {
        Optional<ReceiptLookup.Target> byId = receiptArg == null ? Optional.empty() : ReceiptLookup.parse(receiptArg);
        if (byId.isPresent() && !java.nio.file.Files.exists(Path.of(receiptArg))) {
            if (transcript != null) throw new TensorFiles.UsageError("give a receipt id or --transcript, not both");
            return verifyById(byId.get());
        }
        receiptFile = receiptArg == null ? null : Path.of(receiptArg);
        if (transcript != null) {
            if (receiptFile != null) throw new TensorFiles.UsageError("give RECEIPT.json or --transcript, not both");
            Transcript t = Transcript.read(transcript);
            receiptFile = transcript;
            SignedReceipt receipt = read(t.verity().get("receipt"), "/response/verity/receipt");
            Optional<Deployment> deployment = offline ? Optional.empty() : chainOptions.find();
            return verifyOne(receipt, null, null, deployment, t.checks(receipt));
        }
        if (receiptFile == null) throw new TensorFiles.UsageError("give RECEIPT.json to check, or --transcript FILE");
        JsonNode root = TensorFiles.readJson(receiptFile);
        List<SignedReceipt> receipts = new java.util.ArrayList<>();
        if (root.path("receipts").isArray()) { // a gateway's answer: every receipt behind it
            for (int i = 0; i < root.get("receipts").size(); i++) receipts.add(read(root.get("receipts").get(i), "/receipts/" + i));
            if (receipts.isEmpty()) throw new TensorFiles.UsageError(receiptFile + " has an empty receipts array");
        } else {
            receipts.add(read(root.has("receipt") ? root.get("receipt") : root, ""));
        }
        boolean isResponse = root.has("outputs") && (root.has("receipt") || root.has("receipts"));
        List<Tensor> in = inputs == null ? null : TensorFiles.read(inputs, "inputs");
        List<Tensor> out = outputs != null ? TensorFiles.read(outputs, "outputs")
                : isResponse ? TensorFiles.read(receiptFile, "outputs") : null;
        Optional<Deployment> deployment = offline ? Optional.empty() : chainOptions.find();
        if (!offline && deployment.isEmpty()) {
            System.out.println("on-chain checks skipped: no deployment at " + chainOptions.file() + "; give --deployment, or --offline");
        }
        boolean ok = true;
        for (SignedReceipt receipt : receipts) {
            // The outputs returned are those of receipts[0]; another receipt vouches for them only if it signed the same digest.
            boolean sameOutputs = receipt.receipt().outputsDigest().equals(receipts.get(0).receipt().outputsDigest());
            Integer rc = verifyOne(receipt, in, sameOutputs ? out : null, deployment, List.of());
            if (rc == Main.UNREACHABLE) return rc;
            ok &= rc == 0;
        }
        return ok ? 0 : 1;
    }

    /** {@code verity verify 0x<id>}: the receipt from the network, then every check, on chain included. */
    private int verifyById(ReceiptLookup.Target target) throws java.io.IOException {
        if (offline) throw new TensorFiles.UsageError("a receipt id is looked up on the network; --offline needs a receipt file");
        Optional<Deployment> deployment = chainOptions.find();
        if (deployment.isEmpty()) {
            throw new TensorFiles.UsageError("no deployment at " + chainOptions.file() + " to find receipt " + target.id()
                    + " on; give --deployment or --home of a network (verity up)");
        }
        Optional<ReceiptLookup.Found> found;
        try {
            found = ReceiptLookup.find(target, deployment);
        } catch (ChainException e) {
            System.err.println("verity: " + e.getMessage() + " (is the chain running, e.g. under verity up?)");
            return Main.UNREACHABLE;
        }
        if (found.isEmpty()) {
            System.err.println("verity: receipt " + target.id() + " not found");
            return Main.CHECK_FAILED;
        }
        System.out.println("found at " + found.get().source());
        List<Tensor> in = inputs == null ? null : TensorFiles.read(inputs, "inputs");
        List<Tensor> out = outputs == null ? null : TensorFiles.read(outputs, "outputs");
        return verifyOne(found.get().receipt(), in, out, deployment, List.of());
    }

    private SignedReceipt read(JsonNode receiptNode, String pointer) {
        try {
            return ReceiptJson.read(receiptNode, pointer);
        } catch (InvalidFieldException e) {
            StringBuilder sb = new StringBuilder(receiptFile + " is not a valid receipt:");
            e.errors().forEach(fe -> sb.append("\n  ").append(fe.pointer()).append(": ").append(fe.detail()));
            throw new TensorFiles.UsageError(sb.toString());
        }
    }

    private int verifyOne(SignedReceipt receipt, List<Tensor> in, List<Tensor> out, Optional<Deployment> deployment,
            List<Checks.Check> digestChecks) throws java.io.IOException {
        List<Checks.Check> checks = new java.util.ArrayList<>(Checks.run(receipt, in, out));
        checks.addAll(digestChecks);
        System.out.println("receipt " + receipt.id());
        System.out.println("  node   " + receipt.receipt().node() + "   model " + receipt.receipt().modelDigest());
        System.out.println("  engine " + receipt.receipt().engine() + "   chain " + receipt.domain().chainId()
                + "   verification " + receipt.receipt().verification().wireName());
        String attestation;
        try {
            attestation = SignerAttestation.describe(receipt, deployment);
        } catch (ChainException e) {
            attestation = receipt.receipt().attestationDigest() + " not verified: " + e.getMessage();
        }
        System.out.println("  attestation " + attestation);
        for (Checks.Check c : checks) {
            System.out.printf("  %-4s %-15s %s%n", c.passed() ? "ok" : "FAIL", c.name(), c.detail());
        }
        if (in == null && digestChecks.isEmpty()) System.out.println("  skip inputs-digest   (give --inputs to check)");
        if (out == null && digestChecks.isEmpty()) System.out.println("  skip outputs-digest  (give --outputs to check)");
        if (deployment.isPresent()) {
            Optional<JsonNode> given = proof == null ? Optional.empty() : Optional.of(TensorFiles.readJson(proof));
            List<Checks.Check> onChain;
            try {
                onChain = OnChainCheck.run(receipt, deployment.get(), given);
            } catch (ChainException e) {
                System.err.println("verity: " + e.getMessage() + " (is the chain running, e.g. under verity up? --offline skips these checks)");
                return Main.UNREACHABLE;
            }
            for (Checks.Check c : onChain) {
                System.out.printf("  %-4s %-15s %s%n", c.passed() ? "ok" : "FAIL", c.name(), c.detail());
            }
            checks = new java.util.ArrayList<>(checks);
            checks.addAll(onChain);
        }
        if (!Checks.allPassed(checks)) {
            Checks.Check failed = checks.stream().filter(c -> !c.passed()).findFirst().orElseThrow();
            System.err.println("verity: receipt " + receipt.id() + " rejected: " + failed.name() + " check failed");
            return 1;
        }
        return 0;
    }
}
