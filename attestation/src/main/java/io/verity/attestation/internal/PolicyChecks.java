package io.verity.attestation.internal;

import io.verity.attestation.Bytes;
import io.verity.attestation.Policy;
import io.verity.attestation.Step;
import java.util.Map;

/** Policy checks shared by the verifiers; each throws a {@link Failure} naming expected and actual values. */
public final class PolicyChecks {
    private PolicyChecks() {}

    public static void measurements(Policy policy, Map<String, Bytes> actual) {
        for (var e : policy.expectedMeasurements().entrySet()) {
            Bytes got = actual.get(e.getKey());
            if (got == null) {
                throw new Failure(Step.MEASUREMENT_POLICY, "measurement " + e.getKey() + " expected " + e.getValue()
                        + ", but the evidence has no such measurement (it has " + actual.keySet() + ")");
            }
            if (!got.equals(e.getValue())) {
                throw new Failure(Step.MEASUREMENT_POLICY, "measurement " + e.getKey() + " expected " + e.getValue()
                        + ", got " + got);
            }
        }
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
