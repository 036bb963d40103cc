package io.verity.attestation;

import static io.verity.attestation.Vectors.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.verity.attestation.internal.Encoding;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bounded, seeded mutation fuzzing of every evidence family and of the extras (collateral, certificates):
 * {@code verity.fuzz.iterations} (default 8,000) mutants per target over 5 evidence targets (one of them base64
 * text) and 2 extras targets, plus a quarter of that for Intel PCS TCB-info bodies and NVIDIA RIM XML, so 60,000
 * inputs by default, two targets at a time. (It was 17,000: the suite's largest CPU cost, 2 minutes beside the other
 * modules' tests, while the four coverage-guided Jazzer fuzzers of the same parsers run in every build too; set
 * {@code -Dverity.fuzz.iterations=} higher for a deeper run.) Each must yield a
 * verdict (no exception, hang or out-of-memory), and a mutant may only be {@link Verdict.Valid} when it attests
 * exactly the original facts (e.g. changed bytes in Nitro's unsigned header, a quote's trailing padding or the
 * SEV-SNP reserved area after the signature). The seed is logged and settable with {@code -Dverity.fuzz.seed=N}.
 * Runs in {@code ./verity test}; tag {@code fuzz}.
 */
@Tag("fuzz")
@DisplayNameGeneration(ReplaceUnderscores.class)
class SeededMutationFuzzingTest {
    private static final int ITERATIONS = Integer.getInteger("verity.fuzz.iterations", 8_000);
    private static final long SEED = Long.getLong("verity.fuzz.seed", 0x5eed_a77e_57L);
    private static final int[] INTERESTING = {0x00, 0xff, 0x7f, 0x80, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x40, 0x5b, 0x5f,
            0x7b, 0x9b, 0x9f, 0xbb, 0xbf, 0xd2, 0xf6, 0xf7, 0x84, 0xa9, 0x30, 0x82, '{', '"', '-', '<'};

    record Target(String name, byte[] evidence, List<byte[]> extras, Instant at, Policy policy, int mutateExtra,
                  int iterations) {
        Target(String name, byte[] evidence, List<byte[]> extras, Instant at, Policy policy, int mutateExtra) {
            this(name, evidence, extras, at, policy, mutateExtra, ITERATIONS);
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void mutated_evidence_and_extras_never_escape_as_exceptions_and_never_verify_to_other_facts() throws Exception {
        System.out.println("SeededMutationFuzzingTest seed=" + SEED + " iterations/target=" + ITERATIONS);
        Policy tolerant = DcapVectorsTest.TOLERANT;
        List<Target> targets = List.of(
                new Target("nitro", Encoding.decodeText(read(N1)), List.of(), N1_AT, Policy.defaults(), -1),
                new Target("tdx", read(T1), List.of(read(T1_COLLATERAL)), T1_AT, Policy.defaults(), -1),
                new Target("sev-snp", Encoding.decodeText(read(P1)), List.of(read(P1_VCEK), read(ASK), read(ARK)),
                        P1_AT, Policy.defaults(), -1),
                new Target("nvidia", Encoding.decodeText(read(G1)), List.of(read(G1_CHAIN)), G1_AT, Policy.defaults(), -1),
                new Target("nitro-base64-text", read(N2), List.of(), Instant.parse("2024-09-07T14:37:39.545Z"),
                        Policy.defaults(), -1),
                new Target("sgx-collateral", read(S1), List.of(read(S1_COLLATERAL)), S1_AT, tolerant, 0),
                new Target("snp-vcek", Encoding.decodeText(read(P1)), List.of(read(P1_VCEK), read(ASK), read(ARK)),
                        P1_AT, Policy.defaults(), 0),
                // slower targets (XML signature, PCS envelope parsing) with a quarter of the mutants each
                new Target("tdx-pcs-tcb-info", read(T1), DcapVectorsTest.pcsPieces(T1_COLLATERAL), T1_AT,
                        Policy.defaults(), 0, ITERATIONS / 4),
                new Target("nvidia-rim-xml", Encoding.decodeText(read(G1)), List.of(read(G1_CHAIN), read(RIM_VBIOS)),
                        G1_AT, Policy.defaults(), 1, ITERATIONS / 4));
        // one random stream per target, split off in target order, so every run with a seed checks the same mutants
        // whatever the threads' timing; targets run two at a time (the verifiers are CPU-bound and stateless)
        SplittableRandom seeds = new SplittableRandom(SEED);
        List<Callable<Integer>> runs = new ArrayList<>();
        for (Target t : targets) {
            SplittableRandom rnd = seeds.split();
            runs.add(() -> {
                Verdict original = Attestations.verify(t.evidence(), Optional.empty(), t.policy(), t.extras(), t.at());
                // The RIM target's original is rejected (MANIFEST: these test RIMs do not describe G1): no mutant may pass.
                assertThat(original.isValid()).as(t.name() + " original: " + original).isEqualTo(!t.name().startsWith("nvidia-rim"));
                Facts facts = original instanceof Verdict.Valid ok ? ok.facts() : null;
                int valid = 0;
                int tested = 0;
                long started = System.nanoTime();
                for (int i = 0; i < t.iterations(); i++) {
                    byte[] evidence = t.evidence();
                    List<byte[]> extras = t.extras();
                    if (t.mutateExtra() >= 0) {
                        extras = new ArrayList<>(extras);
                        extras.set(t.mutateExtra(), mutate(extras.get(t.mutateExtra()), rnd));
                    } else {
                        evidence = mutate(evidence, rnd);
                    }
                    Verdict v;
                    try {
                        v = Attestations.verify(evidence, Optional.empty(), t.policy(), extras, t.at());
                    } catch (Throwable e) {
                        throw new AssertionError(t.name() + " mutant #" + i + " (seed " + SEED + ") threw", e);
                    }
                    assertThat(v).isNotNull();
                    if (v instanceof Verdict.Valid ok) {
                        valid++;
                        assertThat(facts).as(t.name() + " mutant #" + i + " verified although the original is rejected").isNotNull();
                        assertThat(ok.facts()).as(t.name() + " mutant #" + i + " verified with different facts").isEqualTo(facts);
                    }
                    tested++;
                }
                System.out.println("SeededMutationFuzzingTest " + t.name() + ": " + t.iterations() + " mutants, " + valid + " still valid (same facts), "
                        + (System.nanoTime() - started) / 1_000_000 + " ms");
                return tested;
            });
        }
        long total = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (Future<Integer> f : pool.invokeAll(runs)) {
                try {
                    total += f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Error err) throw err;
                    throw e;
                }
            }
        }
        assertThat(total).isGreaterThanOrEqualTo(7L * ITERATIONS + 2L * (ITERATIONS / 4));
    }

    static byte[] mutate(byte[] in, SplittableRandom rnd) {
        byte[] b = in.clone();
        int rounds = 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(4) : 0);
        for (int r = 0; r < rounds && b.length > 0; r++) {
            int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(9)) {
                case 0 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> b[at] = (byte) rnd.nextInt(256);
                case 2 -> b[at] = (byte) INTERESTING[rnd.nextInt(INTERESTING.length)];
                case 3 -> b = Arrays.copyOf(b, rnd.nextInt(b.length));
                case 4 -> { // insert random bytes
                    byte[] ins = new byte[1 + rnd.nextInt(8)];
                    rnd.nextBytes(ins);
                    b = splice(b, at, 0, ins);
                }
                case 5 -> b = splice(b, at, Math.min(b.length - at, 1 + rnd.nextInt(64)), new byte[0]);
                case 6 -> { // duplicate a range
                    int len = Math.min(b.length - at, 1 + rnd.nextInt(256));
                    b = splice(b, at, 0, Arrays.copyOfRange(b, at, at + len));
                }
                case 7 -> { // 16/32-bit little- or big-endian extremes, for length fields
                    int width = rnd.nextBoolean() ? 2 : 4;
                    long v = switch (rnd.nextInt(4)) {
                        case 0 -> 0;
                        case 1 -> 0xffffffffL;
                        case 2 -> 0x7fffffffL;
                        default -> rnd.nextInt(1 << 16);
                    };
                    for (int k = 0; k < width && at + k < b.length; k++) b[at + k] = (byte) (v >>> (8 * k));
                }
                default -> { // copy a range from elsewhere over this one
                    int from = rnd.nextInt(b.length);
                    int len = Math.min(Math.min(b.length - at, b.length - from), 1 + rnd.nextInt(64));
                    System.arraycopy(b.clone(), from, b, at, len);
                }
            }
        }
        return b;
    }

    static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }
}
