package io.verity.node.settle;

import io.verity.chain.ChainAccount;
import io.verity.chain.ChainException;
import io.verity.chain.Deployment;
import io.verity.chain.rpc.TxPolicy;
import io.verity.chain.TxOutcome;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batcher's chain over JSON-RPC ({@link LazyChainClients}: connected lazily and dropped after any failure so
 * that an endpoint that went away and came back is reached afresh).
 */
final class RpcChainPort implements ChainPort {
    private static final Logger LOG = LoggerFactory.getLogger(RpcChainPort.class);

    private final Deployment deployment;
    private final ChainAccount account;
    private final String endpoint;
    private final Supplier<List<Keccak256>> models;
    private final BigInteger price;
    private final Optional<BigInteger> stake;
    private final Optional<RegistryAttestation> attestation;
    private final InstantSource clock;
    private Instant attestedAt = Instant.EPOCH;
    private Set<Keccak256> registeredModels = Set.of(); // as of the last successful ensureRegistered
    private final LazyChainClients chain;

    RpcChainPort(Deployment deployment, ChainAccount account, String endpoint, Supplier<List<Keccak256>> models,
            BigInteger price, Optional<BigInteger> stake, Optional<RegistryAttestation> attestation, InstantSource clock) {
        this(deployment, account, endpoint, models, price, stake, attestation, clock, TxPolicy.defaults());
    }

    RpcChainPort(Deployment deployment, ChainAccount account, String endpoint, Supplier<List<Keccak256>> models,
            BigInteger price, Optional<BigInteger> stake, Optional<RegistryAttestation> attestation, InstantSource clock,
            TxPolicy policy) {
        this.attestation = attestation;
        this.clock = clock;
        this.deployment = deployment;
        this.account = account;
        this.endpoint = endpoint;
        this.models = models;
        this.price = price;
        this.stake = stake;
        this.chain = new LazyChainClients(deployment, account, policy);
    }

    @Override
    public void ensureRegistered(boolean starting) {
        List<Keccak256> now = models.get();
        var r = chain.call(c -> NodeRegistration.ensure(c.nodes(), account.address(), endpoint,
                now, price, stake, starting));
        registeredModels = Set.copyOf(now);
        LOG.info("node {} on chain {}: {} ({} model(s))", account.address(), deployment.chainId(), r, now.size());
    }

    /** Cheap enough for every settlement step: the hub's listing is cached, and its result compared as a set. */
    @Override
    public boolean modelsChanged() {
        return !Set.copyOf(models.get()).equals(registeredModels);
    }

    /**
     * Re-attests every {@link RegistryAttestation#REATTEST_EVERY}: gateways treat a registry record older than
     * their maximum age as stale, so renewing it is what "fresh" means on chain.
     */
    @Override
    public void reattestIfDue() {
        if (attestation.isEmpty()) return;
        Instant now = clock.instant();
        if (Duration.between(attestedAt, now).compareTo(RegistryAttestation.REATTEST_EVERY) < 0) return;
        RegistryAttestation a = attestation.get();
        TxOutcome t = chain.call(c -> c.nodes().attest(a.kind(), a.evidenceDigest(), a.evidenceUri()));
        if (!(t instanceof TxOutcome.Confirmed)) throw new ChainException("attest: " + t);
        attestedAt = now;
        LOG.info("node {} attested {} evidence {} in NodeRegistry", account.address(), a.kind(), a.evidenceDigest());
    }

    @Override
    public long commit(Keccak256 root, long count, String uri) {
        return chain.call(c -> c.settlement().commitIdempotently(root, count, uri));
    }

    @Override
    public void close() {
        chain.close();
    }
}
