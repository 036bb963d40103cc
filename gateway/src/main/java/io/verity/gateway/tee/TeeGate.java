package io.verity.gateway.tee;

import io.verity.client.NodeApiClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.attestation.Attestations;
import io.verity.attestation.Bytes;
import io.verity.attestation.EvidenceKind;
import io.verity.attestation.KeyBinding;
import io.verity.attestation.MeasurementDigest;
import io.verity.attestation.Verdict;
import io.verity.chain.contracts.NodeAttestation;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.gateway.routing.NodeDirectory;
import io.verity.gateway.routing.NodeState;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.wire.ProblemException;
import io.verity.protocol.wire.ProblemKind;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which nodes the {@code tee} policy may route to. On every discovery refresh it re-fetches each node's
 * evidence ({@code GET /v1/attestation}) and re-verifies it, so a node passes only while all of this holds:
 *
 * <ol>
 *   <li>the node serves evidence (a node without an enclave says "none" and never passes);
 *   <li>NodeRegistry records an attestation by the node for exactly these bytes (digest), no older than
 *       {@link TeeSettings#maxAge()} (step {@code registry} / {@code freshness});
 *   <li>the evidence verifies under the {@code --tee-policy} (steps of the attestation module: parse,
 *       cert-chain, signature, freshness, debug, measurement-policy, tcb-status, ...);
 *   <li>its {@link MeasurementDigest} is on NodeRegistry's owner-curated allowlist for its kind (step
 *       {@code measurement-allowlist});
 *   <li>it binds the node's address ({@link KeyBinding}, step {@code key-binding}).
 * </ol>
 *
 * A verified status also expires after {@code maxAge} if refreshes stop, so a gateway cut off from its nodes fails
 * closed.
 */
public final class TeeGate {
    private static final Logger LOG = LoggerFactory.getLogger(TeeGate.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the gateway last concluded about one node's attestation; {@code /v1/nodes} shows it. */
    public sealed interface Status {
        /** Not checked yet (the node appeared after the last refresh). */
        record Unchecked() implements Status {}

        /** The node has no enclave and says so. */
        record None() implements Status {}

        record Verified(String kind, Keccak256 measurement, Instant at) implements Status {}

        /** @param step an attestation module step id, or fetch, digest, registry, freshness, policy, measurement-allowlist */
        record Rejected(String step, String reason) implements Status {}
    }

    private final TeeSettings settings;
    private final NodeRegistryClient registry;
    private final HttpClient http;
    private final Duration timeout;
    private final Clock clock;
    private final Map<EvmAddress, Status> statuses = new ConcurrentHashMap<>();

    public TeeGate(TeeSettings settings, NodeRegistryClient registry, HttpClient http, Duration timeout, Clock clock) {
        this.settings = settings;
        this.registry = registry;
        this.http = http;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** Test seam: what a refresh would have concluded. */
    void put(EvmAddress node, Status s) {
        statuses.put(node, s);
    }

    public Status status(EvmAddress node) {
        return statuses.getOrDefault(node, new Status.Unchecked());
    }

    /** Re-checks every registered node; a failure for one node is that node's rejection, never the gateway's. */
    public void refresh(Collection<NodeState> nodes) {
        for (NodeState n : nodes) {
            if (!n.registered()) continue;
            Status s;
            try {
                s = check(n);
            } catch (RuntimeException e) {
                s = new Status.Rejected("registry", "cannot read NodeRegistry: " + NodeDirectory.rootMessage(e));
            }
            Status old = statuses.put(n.address, s);
            if (!s.equals(old) && !(s instanceof Status.Verified && old instanceof Status.Verified)) {
                LOG.info("node {} attestation: {}", n.address, describe(s));
            }
        }
    }

    /** The nodes the {@code tee} policy may use now. */
    public List<NodeState> admitted(Collection<NodeState> nodes, Instant now) {
        List<NodeState> out = new ArrayList<>();
        for (NodeState n : nodes) if (admits(n, now)) out.add(n);
        return out;
    }

    boolean admits(NodeState n, Instant now) {
        return n.registered() && status(n.address) instanceof Status.Verified v
                && !now.isAfter(v.at().plus(settings.maxAge()));
    }

    /** The 503 a {@code tee} request gets when no node passes, naming every node's reason. */
    public ProblemException noneAdmitted(Collection<NodeState> nodes) {
        List<NodeState> sorted = new ArrayList<>(nodes);
        sorted.removeIf(n -> !n.registered());
        sorted.sort(Comparator.comparing(n -> n.address.toString()));
        List<FieldError> errors = new ArrayList<>();
        StringBuilder detail = new StringBuilder("no node passes the tee policy (verified evidence bound to its key,"
                + " allowlisted in NodeRegistry, fresh)");
        if (sorted.isEmpty()) detail.append("; no node is registered");
        for (NodeState n : sorted) {
            String why = describe(status(n.address));
            errors.add(new FieldError("/nodes/" + n.address, why));
            detail.append("; ").append(n.address).append(": ").append(why);
        }
        return ProblemKind.NO_ATTESTED_NODE.exception(detail.toString(), errors);
    }

    static String describe(Status s) {
        return switch (s) {
            case Status.Unchecked u -> "attestation not checked yet";
            case Status.None n -> "attestation none (no TEE evidence)";
            case Status.Verified v -> "attestation verified (" + v.kind() + ", measurement " + v.measurement() + ", at "
                    + v.at() + ")";
            case Status.Rejected r -> "attestation rejected at " + r.step() + ": " + r.reason();
        };
    }

    private Status check(NodeState n) {
        JsonNode body;
        try {
            NodeApiClient.RawAnswer resp = NodeApiClient.of(n.url(), timeout, http).getRaw("/v1/attestation");
            if (resp.status() != 200) {
                return new Status.Rejected("fetch", "GET /v1/attestation answered " + resp.status());
            }
            body = JSON.readTree(resp.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Status.Rejected("fetch", "interrupted");
        } catch (Exception e) {
            return new Status.Rejected("fetch", "GET /v1/attestation failed: " + NodeDirectory.rootMessage(e));
        }
        String kindName = body.path("kind").asText("");
        if (kindName.equals("none")) return new Status.None();
        Optional<EvidenceKind> kind = EvidenceKind.byId(kindName);
        if (kind.isEmpty()) return new Status.Rejected("fetch", "GET /v1/attestation names unknown kind '" + kindName + "'");
        byte[] evidence;
        List<byte[]> extras = new ArrayList<>();
        try {
            evidence = Base64.getDecoder().decode(body.path("evidence").asText(""));
            for (JsonNode x : body.path("extras")) extras.add(Base64.getDecoder().decode(x.asText()));
        } catch (IllegalArgumentException e) {
            return new Status.Rejected("fetch", "GET /v1/attestation evidence is not base64: " + e.getMessage());
        }
        Keccak256 digest = Keccak256.hash(evidence);

        Instant now = clock.instant();
        Optional<NodeAttestation> onChain = registry.attestation(n.address);
        if (onChain.isEmpty()) {
            return new Status.Rejected("registry", "the node serves " + kindName + " evidence " + digest
                    + " but never attested in NodeRegistry");
        }
        NodeAttestation a = onChain.get();
        if (!a.evidenceDigest().equals(digest) || !a.kind().equals(kindName)) {
            return new Status.Rejected("registry", "NodeRegistry records " + a.kind() + " evidence " + a.evidenceDigest()
                    + ", the node serves " + kindName + " evidence " + digest);
        }
        if (Duration.between(a.attestedAt(), now).compareTo(settings.maxAge()) > 0) {
            return new Status.Rejected("freshness", "NodeRegistry attestation of " + a.attestedAt() + " is older than "
                    + settings.maxAge() + " at " + now + "; the node must re-attest");
        }
        if (settings.policy().isEmpty()) {
            return new Status.Rejected("policy", "this gateway runs without --tee-policy, so it accepts no evidence");
        }

        Instant at = settings.verifyAt().orElse(now);
        Verdict v = Attestations.verify(evidence, kind, settings.policy().get(), extras, at);
        return decide(v, n.address, registry.allowedMeasurements(kindName), now);
    }

    /**
     * The part of the decision after the evidence was verified: the registry allowlist for its kind, then the
     * binding to {@code node}'s address. Pure, so the positive path can be unit-tested (published evidence never
     * binds our keys).
     */
    static Status decide(Verdict v, EvmAddress node, List<Keccak256> allowed, Instant now) {
        if (v instanceof Verdict.Rejected r) return new Status.Rejected(r.failed().id(), r.reason());
        Verdict.Valid ok = (Verdict.Valid) v;
        String kindName = ok.kind().id();
        Keccak256 measurement = Keccak256.wrap(MeasurementDigest.of(ok.facts()).toArray());
        if (!allowed.contains(measurement)) {
            return new Status.Rejected("measurement-allowlist", "measurement digest " + measurement + " of this "
                    + kindName + " evidence is not on NodeRegistry's allowlist for " + kindName + " (" + allowed.size()
                    + " allowed)");
        }
        Verdict bound = KeyBinding.apply(ok, Bytes.of(node.toArray()));
        if (bound instanceof Verdict.Rejected r) return new Status.Rejected(r.failed().id(), r.reason());
        return new Status.Verified(kindName, measurement, now);
    }
}
