package io.verity.protocol.policy;

import io.verity.protocol.receipt.VerificationMode;

/**
 * How strictly a client wants one answer checked, as it names it on the wire ({@code policy} field or
 * {@code Verity-Policy} header, docs/gateway.md): {@code none}, {@code redundant:k}, {@code sample:p}, {@code tee}.
 */
public sealed interface Policy {
    /** The largest k accepted for {@code redundant:k}; more would only multiply cost. */
    int MAX_REDUNDANCY = 16;

    /** One node answers; its signed receipt is the only evidence. */
    record None() implements Policy {
        @Override
        public String wireName() {
            return "none";
        }
    }

    /** k nodes of distinct operators answer in parallel; the majority answer wins. */
    record Redundant(int k) implements Policy {
        public Redundant {
            if (k < 2 || k > MAX_REDUNDANCY) {
                throw new IllegalArgumentException("redundant:k needs 2 <= k <= " + MAX_REDUNDANCY + ", got " + k);
            }
        }

        @Override
        public String wireName() {
            return "redundant:" + k;
        }

        /** How many matching answers make a majority of k. */
        public int quorum() {
            return k / 2 + 1;
        }
    }

    /** One node answers; with probability p another node re-runs the request in the background. */
    record Sample(double p) implements Policy {
        public Sample {
            if (!(p > 0 && p <= 1)) throw new IllegalArgumentException("sample:p needs 0 < p <= 1, got " + p);
        }

        @Override
        public String wireName() {
            return "sample:" + p;
        }
    }

    /**
     * One node answers, chosen only among nodes whose TEE evidence the gateway verified, found bound to the
     * node's key, allowlisted in NodeRegistry and fresh (docs/attestation.md).
     */
    record Tee() implements Policy {
        @Override
        public String wireName() {
            return "tee";
        }
    }

    Policy NONE = new None();
    Policy TEE = new Tee();

    String wireName();

    /** The receipt's {@code verification} field for answers given under this policy. */
    default VerificationMode mode() {
        return switch (this) {
            case None n -> VerificationMode.NONE;
            case Redundant r -> VerificationMode.REDUNDANT;
            case Sample s -> VerificationMode.SAMPLE;
            case Tee t -> VerificationMode.TEE;
        };
    }

    /**
     * Parses {@code none}, {@code redundant:k}, {@code sample:p} or {@code tee}.
     *
     * @throws IllegalArgumentException saying what was expected
     */
    static Policy parse(String text) {
        if (text == null) throw new IllegalArgumentException("policy is missing; expected none, redundant:k, sample:p or tee");
        String s = text.strip();
        if (s.equals("none")) return NONE;
        if (s.equals("tee")) return TEE;
        int colon = s.indexOf(':');
        String kind = colon < 0 ? s : s.substring(0, colon);
        String arg = colon < 0 ? "" : s.substring(colon + 1);
        try {
            return switch (kind) {
                case "redundant" -> new Redundant(Integer.parseInt(arg));
                case "sample" -> {
                    double p = Double.parseDouble(arg);
                    if (arg.isBlank() || !Double.isFinite(p)) throw new NumberFormatException(arg);
                    yield new Sample(p);
                }
                default -> throw new IllegalArgumentException("unknown policy '" + text
                        + "', expected none, redundant:k (2 <= k <= " + MAX_REDUNDANCY + "), sample:p (0 < p <= 1) or tee");
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("policy '" + text + "' has a malformed number; expected "
                    + (kind.equals("redundant") ? "redundant:k with an integer k, e.g. redundant:2"
                            : "sample:p with a probability p, e.g. sample:0.05"));
        }
    }
}
