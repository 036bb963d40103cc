package io.verity.attestation;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.attestation.internal.Encoding;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The one property every attestation fuzz target (*EvidenceFuzzTest, *QuoteFuzzTest, *ReportFuzzTest) checks:
 * {@link Attestations#verify} answers any bytes with a {@link Verdict}, never an exception, and a
 * {@link Verdict.Valid} only for exactly the facts of the real evidence it started from.
 *
 * <p>The real evidence lives in ../shared/vectors/attestation and is read at test time, never copied into the
 * repository; so a fuzz input is either an edit of one of those vectors or raw evidence. Its first byte picks:
 * {@code i < seeds.size()} edits seed {@code i}: bytes 1–2 are a big-endian offset (modulo the length), byte 3
 * a new length when non-zero (truncating or zero-extending, in 1/256ths of the original, at most double), and
 * the rest is XORed into the evidence from that offset. Any other first byte: the whole input is the evidence,
 * verified with the extras of seed 0. So the tiny seed files ({@code 00 00 00 00} is seed 0 unchanged) steer
 * the fuzzer into deep, signed structures while any byte string remains reachable.
 */
final class EvidenceFuzzing {
    /** Real evidence (decoded from its text form), the extras and policy it verifies with, and its facts. */
    record Seed(byte[] evidence, List<byte[]> extras, Policy policy, Instant at, Facts facts) {
        static Seed of(String evidence, Policy policy, Instant at, List<byte[]> extras) {
            byte[] bytes = Encoding.decodeText(Vectors.read(evidence));
            Verdict v = Attestations.verify(bytes, Optional.empty(), policy, extras, at);
            assertThat(v).as(evidence + " must verify as the fuzzer's reference").isInstanceOf(Verdict.Valid.class);
            return new Seed(bytes, extras, policy, at, ((Verdict.Valid) v).facts());
        }
    }

    /** What {@code Checks.describe} makes of exceptions that only a bug in our parsing code throws. */
    private static final String[] BUGS = {"NullPointerException", "ArrayIndexOutOfBoundsException",
            "StringIndexOutOfBoundsException", "IndexOutOfBoundsException", "NegativeArraySizeException",
            "ClassCastException", "ArithmeticException", "BufferUnderflowException", "NoSuchElementException"};

    private EvidenceFuzzing() {}

    static void check(byte[] input, List<Seed> seeds) {
        Seed seed;
        byte[] evidence;
        if (input.length >= 4 && (input[0] & 0xff) < seeds.size()) {
            seed = seeds.get(input[0] & 0xff);
            evidence = edit(seed.evidence(), input);
        } else {
            seed = seeds.get(0);
            evidence = input;
        }
        Verdict v = Attestations.verify(evidence, Optional.empty(), seed.policy(), seed.extras(), seed.at());
        assertThat(v).isNotNull();
        if (v instanceof Verdict.Rejected r) {
            // The verifiers fail closed on any exception (Checks.verify), which would hide a parser that reads
            // past its buffer or dereferences a missing field: those must be Failures that name the field.
            for (String bug : BUGS) {
                assertThat(r.reason()).as("rejected by a bug, not by a check").doesNotStartWith(bug);
            }
        }
        if (v instanceof Verdict.Valid ok) {
            assertThat(ok.facts()).as("an edited or raw input verified with other facts than the real evidence")
                    .isEqualTo(seed.facts());
        }
    }

    private static byte[] edit(byte[] original, byte[] input) {
        int length = (input[3] & 0xff) == 0 ? original.length
                : (int) Math.min(2L * original.length, (long) original.length * (input[3] & 0xff) / 128);
        byte[] b = java.util.Arrays.copyOf(original, Math.max(length, 1));
        int at = ((input[1] & 0xff) << 8 | (input[2] & 0xff)) % b.length;
        for (int i = 4; i < input.length && at + i - 4 < b.length; i++) b[at + i - 4] ^= input[i];
        return b;
    }
}
