package io.verity.gateway;

import io.verity.chain.contracts.ModelRegistryClient;
import io.verity.gateway.routing.NodeState;
import io.verity.gateway.tensor.Tolerance;
import io.verity.protocol.Keccak256;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tolerance this gateway compares a model's answers with: the comparison rule the model's owner set in
 * ModelRegistry when there is one (bit-exact or a tolerance), else the configured one ({@code --tolerance}),
 * also for models whose rule is None. Re-read with the node directory, for the models the nodes serve.
 */
public final class ModelRules {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRules.class);

    private final ModelRegistryClient registry;
    private final Function<String, Tolerance> configured;
    private volatile Map<Keccak256, Tolerance> onChain = Map.of();
    private volatile Map<String, Keccak256> byName = Map.of();

    ModelRules(ModelRegistryClient registry, Function<String, Tolerance> configured) {
        this.registry = registry;
        this.configured = configured;
    }

    /** Re-reads the rule of every model the nodes serve; on a chain error keeps what it knew. */
    void refresh(Collection<NodeState> nodes) {
        Map<String, Set<Keccak256>> digests = new HashMap<>();
        for (NodeState n : nodes) {
            for (NodeState.ServedModel m : n.served()) digests.computeIfAbsent(m.name(), k -> new HashSet<>()).add(m.digest());
        }
        Map<Keccak256, Tolerance> rules = new HashMap<>();
        try {
            for (Set<Keccak256> ds : digests.values()) {
                for (Keccak256 d : ds) {
                    if (!rules.containsKey(d)) registry.rule(d).flatMap(Tolerance::of).ifPresent(t -> rules.put(d, t));
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot read comparison rules from ModelRegistry ({}); keeping the last known", e.getMessage());
            return;
        }
        Map<String, Keccak256> names = new HashMap<>();
        // one name, several digests: by name alone the gateway cannot tell which rule, so the configured tolerance
        digests.forEach((name, ds) -> { if (ds.size() == 1) names.put(name, ds.iterator().next()); });
        onChain = Map.copyOf(rules);
        byName = Map.copyOf(names);
    }

    /** For {@code model} (its name, maybe {@code @version}) resolved to {@code digest}. */
    public Tolerance toleranceFor(String model, Keccak256 digest) {
        Tolerance t = onChain.get(digest);
        return t != null ? t : configured.apply(model);
    }

    /** For a model known by name only (the OpenAI routes): its on-chain rule when the name has one digest. */
    public Tolerance toleranceFor(String model) {
        int at = model.indexOf('@');
        Keccak256 digest = byName.get(at < 0 ? model : model.substring(0, at));
        return digest == null ? configured.apply(model) : toleranceFor(model, digest);
    }
}
