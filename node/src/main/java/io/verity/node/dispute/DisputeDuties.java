package io.verity.node.dispute;

import io.verity.chain.ChainAccount;
import io.verity.chain.ChainConnection;
import io.verity.chain.Deployment;
import io.verity.chain.rpc.TxPolicy;
import io.verity.chain.contracts.CommitteeClient;
import io.verity.chain.contracts.CommitteeDispute;
import io.verity.chain.contracts.DisputeClient;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.node.serve.NodeIdentity;
import io.verity.node.serve.NodeService;
import io.verity.protocol.receipt.SignedReceipt;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a deterministic-engine node on a chain with DisputeGame does besides serving: answers disputes on its
 * receipts ({@link DisputeResponder}) and sits on committees ({@link RefereeDuty}), with its own models. Both
 * share one connection, so the node's transactions keep their nonces in order.
 */
public final class DisputeDuties {
    public static final Duration POLL = Duration.ofMillis(250);
    /** Every node with a chain polls CommitteeDisputes; its deadlines are 100 blocks, so half a second is plenty. */
    static final Duration COMMITTEE_POLL = Duration.ofMillis(500);
    /** A committee member's sealed votes, in the node's home: a restart between commit and reveal can still reveal. */
    static final String VOTES_FILE = "committee-votes.json";

    private DisputeDuties() {}

    /** @return what to close, in start order */
    public static List<AutoCloseable> start(NodeService service, DisputeTraces traces, Deployment d, NodeIdentity identity,
                                            TxPolicy policy) {
        ChainConnection chain = ChainConnection.open(d.rpcUrl(), ChainAccount.of(identity.key()), policy);
        DisputeResponder responder = new DisputeResponder(new DisputeClient(chain, d.disputeGame()), traces,
                identity.address(), POLL);
        Referee referee = new Referee(service::deterministic);
        RefereeDuty duty = RefereeDuty.start(new DisputeClient(chain, d.disputeGame()), new NodeRegistryClient(chain, d.nodeRegistry()),
                referee, POLL, line -> {});
        return List.of(chain, responder, duty);
    }

    /**
     * The CommitteeDisputes duty of any node (every engine): sits on committees for the models its hub holds.
     *
     * @param embeddings how this node re-embeds an accused embeddings request (its {@code /v1/embeddings} route's way)
     * @return what to close, in start order
     */
    public static List<AutoCloseable> startCommittee(NodeService service, CommitteeJudge.EmbeddingRerun embeddings, Deployment d,
            NodeIdentity identity, TxPolicy policy) {
        ChainConnection chain = ChainConnection.open(d.rpcUrl(), ChainAccount.of(identity.key()), policy);
        NodeRegistryClient registry = new NodeRegistryClient(chain, d.nodeRegistry());
        CommitteeJudge judge = new CommitteeJudge((model, engine, inputs) -> engine.isPresent()
                ? service.rerun(model, engine.get(), inputs) : service.rerun(model, inputs), embeddings,
                dispute -> accusedReceipt(registry, dispute), service.config().maxBodyBytes());
        CommitteeDuty duty = CommitteeDuty.start(new CommitteeClient(chain, d.committeeDisputes()), judge,
                digest -> service.hub().find(digest).isPresent(), service.config().home().resolve(VOTES_FILE), COMMITTEE_POLL,
                line -> {});
        return List.of(chain, duty);
    }

    /** The disputed receipt as the accused node serves it at its registered endpoint; empty when it does not. */
    static Optional<SignedReceipt> accusedReceipt(NodeRegistryClient registry, CommitteeDispute dispute) {
        try {
            return registry.node(dispute.node()).flatMap(n -> new TraceClient(URI.create(n.endpoint())).receipt(dispute.receiptId()));
        } catch (RuntimeException e) { // an unreadable registry or a malformed endpoint: judged without it
            return Optional.empty();
        }
    }
}
