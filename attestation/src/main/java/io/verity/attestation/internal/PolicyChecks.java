package io.verity.attestation.internal;

import io.verity.attestation.Bytes;
import io.verity.attestation.Policy;
import io.verity.attestation.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Policy checks shared by the verifiers; each throws a {@link Failure} naming expected and actual values. */
public final class PolicyChecks {
    private PolicyChecks() {}

    /** Passes when every value of at least one allowlist entry matches; otherwise names each entry's first miss. */
    public static void measurements(Policy policy, Map<String, Bytes> actual) {
        List<String> misses = new ArrayList<>();
        for (Map<String, Bytes> allowed : policy.allowedMeasurements()) {
            String miss = firstMiss(allowed, actual);
            if (miss == null) return;
            misses.add(miss);
        }
        if (misses.size() == 1) throw new Failure(Step.MEASUREMENT_POLICY, misses.get(0));
        StringBuilder sb = new StringBuilder("measurements match none of the " + misses.size() + " allowed sets:");
        for (int i = 0; i < misses.size(); i++) sb.append(" #").append(i).append(": ").append(misses.get(i)).append(';');
        throw new Failure(Step.MEASUREMENT_POLICY, sb.substring(0, sb.length() - 1));
    }

    private static String firstMiss(Map<String, Bytes> allowed, Map<String, Bytes> actual) {
        for (var e : allowed.entrySet()) {
            Bytes got = actual.get(e.getKey());
            if (got == null) {
                return "measurement " + e.getKey() + " expected " + e.getValue()
                        + ", but the evidence has no such measurement (it has " + actual.keySet() + ")";
            }
            if (!got.equals(e.getValue())) return "measurement " + e.getKey() + " expected " + e.getValue() + ", got " + got;
        }
        return null;
    }

    /** report_data layout for TDX/SGX/SEV-SNP: [0,32) key binding, [32,64) nonce (each left-aligned). */
    public static void reportDataNonce(Policy policy, Bytes reportData) {
        Bytes expected = policy.nonce().orElseThrow();
        if (expected.length() > 32) {
            throw new Failure(Step.NONCE, "nonce must be at most 32 bytes to fit report_data[32..64), got "
                    + expected.length());
        }
        Bytes got = Bytes.of(reportData.toArray(), 32, expected.length());
        if (!got.contentEquals(expected)) {
            throw new Failure(Step.NONCE, "report_data[32.." + (32 + expected.length()) + ") expected nonce "
                    + expected + ", got " + got);
        }
    }

    public static void reportDataKeyBinding(Policy policy, Bytes reportData) {
        Bytes expected = policy.keyBinding().orElseThrow();
        if (expected.length() > 32) {
            throw new Failure(Step.KEY_BINDING, "key binding must be at most 32 bytes (a key hash) to fit "
                    + "report_data[0..32), got " + expected.length());
        }
        Bytes got = Bytes.of(reportData.toArray(), 0, expected.length());
        if (!got.contentEquals(expected)) {
            throw new Failure(Step.KEY_BINDING, "report_data[0.." + expected.length() + ") expected key binding "
                    + expected + ", got " + got);
        }
    }
}
