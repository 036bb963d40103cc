package io.verity.gateway.tee;

import io.verity.attestation.Policy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How this gateway judges nodes' TEE evidence for the {@code tee} policy (docs/gateway.md, docs/attestation.md).
 *
 * @param policy the attestation policy ({@code --tee-policy FILE}, the attestation module's JSON format): debug,
 *     measurements, TCB statuses, maxAge of the evidence timestamp. Empty: no evidence is accepted, every node
 *     with evidence shows as rejected at step {@code policy}. It must not set {@code keyBinding}: the gateway
 *     binds each node's own address.
 * @param maxAge how old a node's NodeRegistry attestation may be (nodes re-attest every 10 min); default 1 h
 * @param verifyAt a fixed time to verify evidence at, like {@code verity attest verify --at}; for tests with
 *     published evidence whose certificates expired long ago. Empty (always in production): now.
 */
public record TeeSettings(Optional<Policy> policy, Duration maxAge, Optional<Instant> verifyAt) {
    public static final TeeSettings NONE = new TeeSettings(Optional.empty(), Duration.ofHours(1), Optional.empty());

    public TeeSettings {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(maxAge, "maxAge");
        Objects.requireNonNull(verifyAt, "verifyAt");
        if (maxAge.isNegative() || maxAge.isZero()) throw new IllegalArgumentException("tee maxAge must be > 0, got " + maxAge);
        policy.ifPresent(p -> {
            if (p.keyBinding().isPresent()) {
                throw new IllegalArgumentException("the tee policy must not set keyBinding: the gateway binds each node's"
                        + " own address (docs/attestation.md)");
            }
        });
    }

    /**
     * @throws IllegalArgumentException naming the file and the offending field
     */
    public static TeeSettings fromFile(Path file) {
        String json;
        try {
            json = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("--tee-policy " + file + " cannot be read: " + e.getMessage());
        }
        try {
            return NONE.withPolicy(Policy.fromJson(json));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--tee-policy " + file + ": " + e.getMessage());
        }
    }

    public TeeSettings withPolicy(Policy p) {
        return new TeeSettings(Optional.of(p), maxAge, verifyAt);
    }

    public TeeSettings withMaxAge(Duration d) {
        return new TeeSettings(policy, d, verifyAt);
    }

    public TeeSettings withVerifyAt(Instant at) {
        return new TeeSettings(policy, maxAge, Optional.of(at));
    }
}
