package io.verity.cli;

import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import java.util.ArrayList;
import java.util.List;

/**
 * The offline checks of one receipt, each named so a failure says exactly which one: the EIP-712 signature
 * recovers the receipt's node, and, when the data is at hand, the inputs and outputs hash to the digests the
 * node signed.
 */
public final class Checks {
    public record Check(String name, boolean passed, String detail) {}

    private Checks() {}

    public static List<Check> run(SignedReceipt receipt, List<Tensor> inputs, List<Tensor> outputs) {
        List<Check> checks = new ArrayList<>();
        var verdict = receipt.verify();
        checks.add(switch (verdict) {
            case ReceiptVerdict.Verified v -> new Check("signature", true,
                    "EIP-712 signature recovers the node " + v.signer());
            case ReceiptVerdict.Invalid inv -> new Check("signature", false, inv.check() + ": " + inv.reason());
        });
        if (inputs != null) checks.add(digest("inputs-digest", receipt.receipt().inputsDigest(), inputs));
        if (outputs != null) checks.add(digest("outputs-digest", receipt.receipt().outputsDigest(), outputs));
        return checks;
    }

    private static Check digest(String name, Keccak256 signed, List<Tensor> tensors) {
        Keccak256 actual = TensorDigests.tensorsDigest(tensors);
        return actual.equals(signed)
                ? new Check(name, true, "recomputed " + actual + " matches the receipt")
                : new Check(name, false, "receipt says " + signed + ", the data hashes to " + actual);
    }

    public static boolean allPassed(List<Check> checks) {
        return checks.stream().allMatch(Check::passed);
    }
}
