package io.verity.client;

import io.verity.chain.ChainAccount;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.Deployment;
import io.verity.chain.contracts.NodeInfo;
import io.verity.chain.contracts.SettledCheck;
import io.verity.client.UnverifiedAnswerException.Check;
import io.verity.protocol.Checks;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.wire.InclusionProof;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The optional on-chain check of a receipt {@link VerityClient} already verified offline: the signer is
 * registered and staked in NodeRegistry, and Settlement.verifyReceipt accepts the receipt under its inclusion
 * proof (the batch root was committed by the signer and holds the receipt). Read-only: it sends no
 * transaction and holds no key. The only class of this package that touches web3j (through the chain module,
 * an optional dependency: add {@code verity-chain} to use it).
 *
 * <pre>{@code
 * try (OnChainVerifier chain = OnChainVerifier.connect(deployment, verity)) {
 *     OnChainVerifier.Settled s = chain.awaitSettled(answer.receipts().getFirst(), Duration.ofMinutes(2));
 * }}</pre>
 */
public final class OnChainVerifier implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(200);

    private final ChainClients chain;
    private final VerityClient proofs;
    private final Duration httpTimeout;

    private OnChainVerifier(ChainClients chain, VerityClient proofs, Duration httpTimeout) {
        this.chain = chain;
        this.proofs = proofs;
        this.httpTimeout = httpTimeout;
    }

    /**
     * Checks against {@code deployment}, fetching proofs through {@code proofs} (the node or gateway that gave
     * the answer). The verifier does not close {@code proofs}.
     *
     * @throws io.verity.chain.ChainException when the RPC endpoint does not answer
     * @throws IllegalStateException when the endpoint's chain id differs from the deployment's
     */
    public static OnChainVerifier connect(Deployment deployment, VerityClient proofs) {
        Objects.requireNonNull(proofs, "proofs");
        return new OnChainVerifier(ChainClients.connect(deployment, ChainAccount.READ_ONLY), proofs, Duration.ofSeconds(10));
    }

    /**
     * Checks against {@code deployment}, fetching each proof from its node's endpoint as registered on chain,
     * so a stranger needs only the receipt and an RPC URL.
     */
    public static OnChainVerifier connect(Deployment deployment) {
        return new OnChainVerifier(ChainClients.connect(deployment, ChainAccount.READ_ONLY), null, Duration.ofSeconds(10));
    }

    /**
     * What the chain confirmed: the receipt is in batch {@code batchId}, committed by its signer at
     * {@code committedAt} (block {@code blockNumber}), and the signer holds {@code stake} wei now.
     */
    public record Settled(Keccak256 receiptId, EvmAddress node, long batchId, Instant committedAt, long blockNumber,
                          BigInteger stake) {
        public Settled {
            Checks.nonNull("receiptId", receiptId, "node", node, "committedAt", committedAt, "stake", stake);
        }
    }

    /**
     * Checks, in order: CHAIN_DOMAIN (the receipt is signed for this deployment's chain and Settlement),
     * NODE_STAKED, INCLUSION (the proof leads to its root offline, then Settlement.verifyReceipt).
     *
     * @throws UnverifiedAnswerException naming the check that failed
     */
    public Settled verify(SignedReceipt receipt, InclusionProof proof) {
        Deployment d = chain.deployment();
        Keccak256 id = receipt.id();
        EvmAddress node = receipt.receipt().node();
        if (receipt.domain().chainId() != d.chainId() || !receipt.domain().verifyingContract().equals(d.settlement())) {
            throw new UnverifiedAnswerException(Check.CHAIN_DOMAIN, id, node, "receipt is signed for chain "
                    + receipt.domain().chainId() + " / " + receipt.domain().verifyingContract() + ", the deployment is chain "
                    + d.chainId() + " / Settlement " + d.settlement());
        }
        if (!chain.nodes().isStaked(node)) {
            throw new UnverifiedAnswerException(Check.NODE_STAKED, id, node, chain.nodes().node(node).isPresent()
                    ? "node is registered but not staked (below the minimum stake, exiting or slashed)"
                    : "node is not registered in NodeRegistry " + d.nodeRegistry());
        }
        if (!proof.receiptId().equals(id)) {
            throw new UnverifiedAnswerException(Check.INCLUSION, id, node, "the proof is for receipt " + proof.receiptId());
        }
        if (!proof.holds()) { // cheaper than a call, and says which half is wrong
            throw new UnverifiedAnswerException(Check.INCLUSION, id, node, "the proof does not lead from the receipt to batch root "
                    + proof.batchRoot());
        }
        SettledCheck check = chain.settlement().verifyReceipt(receipt, proof.batchId(), proof.proof());
        return switch (check) {
            case SettledCheck.Settled s -> new Settled(id, node, s.batchId(), s.committedAt(), s.blockNumber(),
                    chain.nodes().stakeOf(node));
            case SettledCheck.Rejected r -> throw new UnverifiedAnswerException(Check.INCLUSION, id, node,
                    "Settlement.verifyReceipt rejects it: " + r.reason() + " " + r.args());
        };
    }

    /**
     * Polls for {@code receipt}'s inclusion proof until its node has settled it, then {@link #verify}s it.
     * A node commits a batch when it is full or old enough, so settling takes up to the node's batch age plus
     * a block.
     *
     * @throws UnverifiedAnswerException INCLUSION when no proof appears within {@code timeout}, or any check
     *     of {@link #verify}
     * @throws UnreachableException when the proof source does not answer
     */
    public Settled awaitSettled(SignedReceipt receipt, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            Optional<InclusionProof> proof = fetchProof(receipt);
            if (proof.isPresent()) return verify(receipt, proof.get());
            if (Instant.now().isAfter(deadline)) {
                throw new UnverifiedAnswerException(Check.INCLUSION, receipt.id(), receipt.receipt().node(),
                        "not settled on chain within " + timeout + " (the node serves no inclusion proof yet)");
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UnreachableException(URI.create(chain.deployment().rpcUrl()), "interrupted while awaiting settlement", e);
            }
        }
    }

    private Optional<InclusionProof> fetchProof(SignedReceipt receipt) {
        if (proofs != null) return proofs.proof(receipt);
        Optional<NodeInfo> info = chain.nodes().node(receipt.receipt().node());
        if (info.isEmpty() || info.get().endpoint().isBlank()) {
            throw new UnverifiedAnswerException(Check.NODE_STAKED, receipt.id(), receipt.receipt().node(),
                    "node is not registered in NodeRegistry, so it has no endpoint to ask for a proof");
        }
        try (VerityClient node = VerityClient.builder(URI.create(info.get().endpoint())).timeout(httpTimeout).build()) {
            return node.proof(receipt);
        }
    }

    @Override
    public void close() {
        chain.close();
    }
}
