package io.verity.attestation;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Verity's key-binding rule: evidence binds a node's receipt-signing key when the one field the TEE lets the
 * workload choose starts with the node's <em>binding value</em>, which is either its 20-byte EVM address or the
 * keccak256 of its 64-byte uncompressed public key (32 bytes). The field per family:
 *
 * <ul>
 *   <li>Nitro: {@code user_data[0..n)} (or {@code public_key} equal to the value);
 *   <li>TDX, SGX, SEV-SNP: {@code report_data[0..n)}, the {@link ReportData} layout (binding in [0, 32),
 *       zero-padded; the verifier's nonce in [32, 64));
 *   <li>NVIDIA H100: the SPDM request nonce {@code [0..n)} (a GPU report has no other workload-chosen field).
 * </ul>
 *
 * Real hardware evidence published by others binds their keys, never ours: checking it against a Verity node
 * yields {@link Status#NOT_BOUND} (or {@link Status#NO_FIELD}), which is the honest answer.
 */
public final class KeyBinding {
    private KeyBinding() {}

    public enum Status {
        /** The field starts with the binding value. */
        BOUND,
        /** The field is there but holds something else. */
        NOT_BOUND,
        /** The evidence has no field a workload could have put a key into. */
        NO_FIELD
    }

    /** @param field where the binding was looked for, e.g. {@code user_data} */
    public record Result(Status status, String field, String detail) {
        public Result {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(detail, "detail");
        }

        public boolean bound() {
            return status == Status.BOUND;
        }
    }

    /**
     * @param binding the node's 20-byte address or the 32-byte keccak256 of its public key
     * @throws IllegalArgumentException when {@code binding} is neither 20 nor 32 bytes
     */
    public static Result check(Facts facts, Bytes binding) {
        Objects.requireNonNull(facts, "facts");
        requireLength(binding);
        return switch (facts.kind()) {
            case AWS_NITRO -> nitro(facts, binding);
            case INTEL_TDX, INTEL_SGX, AMD_SEV_SNP -> prefix("report_data", facts.reportData(), binding);
            case NVIDIA_H100 -> prefix("request nonce", facts.nonce(), binding);
        };
    }

    /**
     * Appends the {@link Step#KEY_BINDING} step to a verdict: a {@link Verdict.Valid} stays valid only when its
     * facts bind {@code binding}, otherwise it becomes {@link Verdict.Rejected} at that step with the reason; a
     * rejected verdict is returned unchanged (its facts are unverified, so binding them means nothing).
     *
     * @throws IllegalArgumentException when {@code binding} is neither 20 nor 32 bytes
     */
    public static Verdict apply(Verdict verdict, Bytes binding) {
        Objects.requireNonNull(verdict, "verdict");
        requireLength(binding);
        if (!(verdict instanceof Verdict.Valid ok)) return verdict;
        Result r = check(ok.facts(), binding);
        if (r.bound()) {
            List<Step> passed = new ArrayList<>(ok.passed());
            passed.add(Step.KEY_BINDING);
            return new Verdict.Valid(ok.kind(), ok.facts(), passed);
        }
        return new Verdict.Rejected(Optional.of(ok.kind()), Step.KEY_BINDING, r.detail(), ok.passed(),
                Optional.of(ok.facts()));
    }

    private static Result nitro(Facts f, Bytes binding) {
        if (f.publicKey().map(k -> k.contentEquals(binding)).orElse(false)) {
            return new Result(Status.BOUND, "public_key", "public_key is " + binding);
        }
        if (f.userData().isEmpty() && f.publicKey().isEmpty()) {
            return new Result(Status.NO_FIELD, "user_data", "the document has neither user_data nor public_key,"
                    + " so it cannot bind " + binding);
        }
        if (f.userData().isEmpty()) {
            return new Result(Status.NOT_BOUND, "user_data", "user_data is absent and public_key "
                    + f.publicKey().get() + " is not " + binding);
        }
        return prefix("user_data", f.userData(), binding);
    }

    private static Result prefix(String field, Optional<Bytes> value, Bytes binding) {
        if (value.isEmpty() || value.get().isEmpty()) {
            return new Result(Status.NO_FIELD, field, "the evidence has no " + field + ", so it cannot bind " + binding);
        }
        Bytes got = value.get();
        if (got.startsWith(binding)) return new Result(Status.BOUND, field, field + " starts with " + binding);
        Bytes head = Bytes.of(got.toArray(), 0, Math.min(binding.length(), got.length()));
        return new Result(Status.NOT_BOUND, field, field + "[0.." + binding.length() + ") expected " + binding
                + " (the node's key binding), got " + head);
    }

    private static void requireLength(Bytes binding) {
        Objects.requireNonNull(binding, "binding");
        if (binding.length() != 20 && binding.length() != 32) {
            throw new IllegalArgumentException("binding must be a 20-byte address or a 32-byte keccak256 of the public"
                    + " key, got " + binding.length() + " bytes");
        }
    }
}
