package io.verity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.chain.ChainAccount;
import io.verity.chain.Deployment;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.contracts.NodeInfo;
import io.verity.chain.contracts.SettledCheck;
import io.verity.client.NodeApiClient;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.wire.InclusionProof;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The on-chain checks of one receipt: the node is registered and staked, the receipt's batch root was
 * committed by the signer, and the inclusion proof holds (Settlement.verifyReceipt, an eth_call). The proof
 * comes from the node's endpoint as registered on chain, so a stranger needs only the receipt and an RPC.
 */
public final class OnChainCheck {
    private OnChainCheck() {}

    public static List<Checks.Check> run(SignedReceipt receipt, Deployment deployment, Optional<JsonNode> givenProof) {
        List<Checks.Check> checks = new ArrayList<>();
        if (receipt.domain().chainId() != deployment.chainId()
                || !receipt.domain().verifyingContract().equals(deployment.settlement())) {
            checks.add(new Checks.Check("chain-domain", false, "receipt is for chain " + receipt.domain().chainId() + " / "
                    + receipt.domain().verifyingContract() + ", the deployment is chain " + deployment.chainId() + " / "
                    + deployment.settlement()));
            return checks;
        }
        try (ChainClients chain = ChainClients.connect(deployment, ChainAccount.READ_ONLY)) {
            Optional<NodeInfo> info = chain.nodes().node(receipt.receipt().node());
            boolean staked = info.isPresent() && chain.nodes().isStaked(receipt.receipt().node());
            checks.add(new Checks.Check("node-staked", staked, staked
                    ? "registered with stake " + info.get().stake() + " wei at " + info.get().endpoint()
                    : "node " + receipt.receipt().node() + " is not registered and staked in NodeRegistry"));
            JsonNode proof;
            if (givenProof.isPresent()) {
                proof = givenProof.get();
            } else if (info.isPresent()) {
                Optional<InclusionProof> fetched;
                try (NodeApiClient node = NodeApiClient.of(URI.create(info.get().endpoint()))) {
                    fetched = node.proof(receipt.id());
                } catch (Exception e) {
                    checks.add(new Checks.Check("inclusion", false, "no inclusion proof from the node at "
                            + info.get().endpoint() + ": " + e.getMessage()));
                    return checks;
                }
                if (fetched.isEmpty()) {
                    checks.add(new Checks.Check("inclusion", false, "no inclusion proof from the node at "
                            + info.get().endpoint() + ": receipt " + receipt.id() + " is not settled on chain yet"));
                    return checks;
                }
                proof = fetched.get().toJson();
            } else {
                checks.add(new Checks.Check("inclusion", false, "no proof given and the node has no registered endpoint"));
                return checks;
            }
            List<Keccak256> path = new ArrayList<>();
            proof.path("proof").forEach(n -> path.add(Keccak256.parse(n.asText())));
            long batchId = proof.path("batchId").asLong(-1);
            SettledCheck settled = chain.settlement().verifyReceipt(receipt, batchId, path);
            checks.add(switch (settled) {
                case SettledCheck.Settled s -> new Checks.Check("inclusion", true, "in batch " + s.batchId()
                        + " committed by the signer at block " + s.blockNumber() + " (" + s.committedAt()
                        + "); Settlement accepts batches only from registered, staked nodes, so it was staked then");
                case SettledCheck.Rejected r -> new Checks.Check("inclusion", false, "Settlement.verifyReceipt: "
                        + r.reason() + " " + r.args());
            });
        }
        return checks;
    }
}
