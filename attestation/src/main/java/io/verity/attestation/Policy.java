package io.verity.attestation;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What evidence must satisfy beyond being genuine. Start from {@link #defaults()} and narrow it with the
 * {@code with...} methods.
 *
 * @param allowedMeasurements the measurement allowlist: each entry maps measurement names (as in
 *     {@link Facts#measurements()}) to exact values, and evidence passes when every value of at least one entry
 *     matches (e.g. one entry per accepted image version); empty = no measurement policy
 * @param allowDebug accept debug enclaves/VMs (default false: all-zero Nitro PCR0..2, TDX/SGX debug attribute,
 *     SEV-SNP policy bit 19 are rejected at {@link Step#DEBUG})
 * @param maxAge for evidence with a timestamp (Nitro): reject when older than this at verification time
 * @param nonce when present, the evidence must carry exactly this nonce: Nitro {@code nonce} field, NVIDIA
 *     request nonce, TDX/SGX/SEV-SNP {@code report_data[32..32+n)}
 * @param keyBinding when present, the node key (or its hash) the evidence must bind: Nitro {@code public_key}
 *     equal to it or {@code user_data} starting with it; TDX/SGX/SEV-SNP {@code report_data} starting with it
 *     (at most 32 bytes there, the second half carries the nonce); NVIDIA: the request nonce starting with it
 * @param acceptedTcbStatuses DCAP TCB statuses accepted (default {@code UpToDate} only)
 */
public record Policy(
        List<Map<String, Bytes>> allowedMeasurements,
        boolean allowDebug,
        Optional<Duration> maxAge,
        Optional<Bytes> nonce,
        Optional<Bytes> keyBinding,
        Set<String> acceptedTcbStatuses) {

    /** Allowed future skew of an evidence timestamp relative to the verification time. */
    public static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    /** The TCB statuses Intel's collateral uses, best first. */
    public static final List<String> TCB_STATUSES = List.of("UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
            "ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked");

    public Policy {
        Objects.requireNonNull(allowedMeasurements, "allowedMeasurements");
        List<Map<String, Bytes>> copy = new java.util.ArrayList<>();
        for (int i = 0; i < allowedMeasurements.size(); i++) {
            Map<String, Bytes> entry = allowedMeasurements.get(i);
            if (entry == null || entry.isEmpty()) {
                throw new IllegalArgumentException("allowedMeasurements[" + i + "] must name at least one measurement");
            }
            copy.add(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(entry)));
        }
        allowedMeasurements = List.copyOf(copy);
        Objects.requireNonNull(maxAge, "maxAge");
        maxAge.ifPresent(d -> {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("maxAge must be positive, got " + d);
            }
        });
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(keyBinding, "keyBinding");
        keyBinding.ifPresent(k -> {
            if (k.isEmpty() || k.length() > 1024) {
                throw new IllegalArgumentException("keyBinding must be 1..1024 bytes, got " + k.length());
            }
        });
        nonce.ifPresent(n -> {
            if (n.isEmpty() || n.length() > 1024) {
                throw new IllegalArgumentException("nonce must be 1..1024 bytes, got " + n.length());
            }
        });
        acceptedTcbStatuses = Set.copyOf(Objects.requireNonNull(acceptedTcbStatuses, "acceptedTcbStatuses"));
        for (String s : acceptedTcbStatuses) {
            if (!TCB_STATUSES.contains(s)) {
                throw new IllegalArgumentException("acceptedTcbStatuses must hold Intel TCB statuses " + TCB_STATUSES
                        + ", got \"" + s + "\"");
            }
        }
    }

    /** No measurement policy, debug rejected, no freshness window, no nonce, no key binding, TCB UpToDate only. */
    public static Policy defaults() {
        return new Policy(List.of(), false, Optional.empty(), Optional.empty(), Optional.empty(), Set.of("UpToDate"));
    }

    /**
     * Reads a policy file: a JSON object with any of {@code measurements} (name to hex) or
     * {@code allowedMeasurements} (an array of such objects), {@code allowDebug},
     * {@code maxAge} (ISO-8601 duration, e.g. {@code "PT5M"}), {@code nonce} (hex), {@code keyBinding} (hex) and
     * {@code acceptedTcbStatuses} (array of strings). Absent fields keep {@link #defaults()}.
     *
     * @throws IllegalArgumentException naming the field, the expected form and what was found; unknown fields
     *     are rejected so that a misspelt constraint is never silently ignored
     */
    public static Policy fromJson(String json) {
        return PolicyJson.parse(json);
    }

    /** A single allowed set: every named measurement must have exactly this value. */
    public Policy withExpectedMeasurements(Map<String, Bytes> expected) {
        return withAllowedMeasurements(List.of(expected));
    }

    public Policy withAllowedMeasurements(List<Map<String, Bytes>> allowlist) {
        return new Policy(allowlist, allowDebug, maxAge, nonce, keyBinding, acceptedTcbStatuses);
    }

    public Policy withAllowDebug(boolean allow) {
        return new Policy(allowedMeasurements, allow, maxAge, nonce, keyBinding, acceptedTcbStatuses);
    }

    public Policy withMaxAge(Duration age) {
        return new Policy(allowedMeasurements, allowDebug, Optional.of(age), nonce, keyBinding, acceptedTcbStatuses);
    }

    public Policy withNonce(Bytes expected) {
        return new Policy(allowedMeasurements, allowDebug, maxAge, Optional.of(expected), keyBinding,
                acceptedTcbStatuses);
    }

    public Policy withKeyBinding(Bytes key) {
        return new Policy(allowedMeasurements, allowDebug, maxAge, nonce, Optional.of(key), acceptedTcbStatuses);
    }

    public Policy withAcceptedTcbStatuses(Set<String> statuses) {
        return new Policy(allowedMeasurements, allowDebug, maxAge, nonce, keyBinding, statuses);
    }
}
