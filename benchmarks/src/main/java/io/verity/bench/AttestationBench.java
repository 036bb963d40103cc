package io.verity.bench;

import io.verity.attestation.Attestations;
import io.verity.attestation.Policy;
import io.verity.attestation.Verdict;
import io.verity.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Warm verification time of the real evidence in ../shared/vectors/attestation, one family per benchmark:
 * {@code ./verity bench AttestationBench}. "warm" reuses the verified-certificate-pair cache (the AWS/Intel/AMD
 * intermediates are shared across documents); {@code nitroColdChain} clears it before every call, so it also pays
 * for all four certificate signatures. Each benchmark checks the verdict is valid, so a broken verifier cannot
 * look fast.
 *
 * <p>On a shared, loaded machine JMH's wall-clock scores swing widely; {@link #main} prints the verifying thread's
 * CPU time per operation instead (warm, and with the certificate cache cleared before every call):
 * {@code java -cp 'benchmarks/target/lib/*:benchmarks/target/verity-benchmarks.jar' io.verity.bench.AttestationBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AttestationBench {
    private static final Policy TOLERANT = Policy.defaults().withAcceptedTcbStatuses(
            Set.of("UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded"));

    byte[] nitro;
    byte[] tdx;
    byte[] tdxCollateral;
    byte[] sgx;
    byte[] sgxCollateral;
    byte[] snp;
    List<byte[]> snpCerts;
    byte[] gpu;
    byte[] gpuChain;

    @Setup
    public void load() throws IOException {
        nitro = read("nitro/opengradient-og-evm-2026-02-12.b64");
        tdx = read("tdx/phala-dcap-qvl-tdx-v4-quote.bin");
        tdxCollateral = read("tdx/phala-dcap-qvl-tdx-v4-quote.collateral.json");
        sgx = read("sgx/phala-dcap-qvl-sgx-v3-quote.bin");
        sgxCollateral = read("sgx/phala-dcap-qvl-sgx-v3-quote.collateral.json");
        snp = read("sev-snp/virtee-milan-report.hex");
        snpCerts = List.of(read("sev-snp/virtee-milan-vcek.der"), read("sev-snp/amd-milan-ask.pem"),
                read("sev-snp/amd-milan-ark.pem"));
        gpu = read("nvidia/nvtrust-hopper-attestation-report.txt");
        gpuChain = read("nvidia/nvtrust-hopper-cert-chain.pem");
        for (Verdict v : List.of(nitro(), tdx(), sgx(), sevSnp(), nvidia())) {
            if (!v.isValid()) throw new IllegalStateException("benchmark input does not verify: " + v);
        }
    }

    @Benchmark
    public Verdict nitro() {
        return check(Attestations.verify(nitro, Optional.empty(), Policy.defaults(), List.of(),
                Instant.parse("2026-02-12T18:00:00Z")));
    }

    @State(Scope.Thread)
    public static class ColdCache {
        @Setup(Level.Invocation)
        public void clear() {
            Attestations.clearCaches();
        }
    }

    @Benchmark
    public Verdict nitroColdChain(ColdCache cold) {
        return nitro();
    }

    @Benchmark
    public Verdict tdx() {
        return check(Attestations.verify(tdx, Optional.empty(), Policy.defaults(), List.of(tdxCollateral),
                Instant.parse("2025-07-19T10:00:34Z")));
    }

    @Benchmark
    public Verdict sgx() {
        return check(Attestations.verify(sgx, Optional.empty(), TOLERANT, List.of(sgxCollateral),
                Instant.parse("2025-07-19T10:01:17Z")));
    }

    @Benchmark
    public Verdict sevSnp() {
        return check(Attestations.verify(snp, Optional.empty(), Policy.defaults(), snpCerts,
                Instant.parse("2024-01-01T00:00:00Z")));
    }

    @Benchmark
    public Verdict nvidia() {
        return check(Attestations.verify(gpu, Optional.empty(), Policy.defaults(), List.of(gpuChain),
                Instant.parse("2025-01-01T00:00:00Z")));
    }

    /** Thread CPU time per verification, 3,000 warm-up calls then 2,000 measured, per family. */
    public static void main(String[] args) throws IOException {
        AttestationBench b = new AttestationBench();
        b.load();
        var bean = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.Map<String, Runnable> ops = new java.util.LinkedHashMap<>();
        ops.put("nitro (warm)", b::nitro);
        ops.put("nitro (cold chain)", () -> {
            Attestations.clearCaches();
            b.nitro();
        });
        ops.put("tdx", b::tdx);
        ops.put("sgx", b::sgx);
        ops.put("sev-snp", b::sevSnp);
        ops.put("nvidia", b::nvidia);
        for (var e : ops.entrySet()) {
            for (int i = 0; i < 3000; i++) e.getValue().run();
            long cpu = bean.getCurrentThreadCpuTime();
            long wall = System.nanoTime();
            for (int i = 0; i < 2000; i++) e.getValue().run();
            System.out.printf(java.util.Locale.ROOT, "%-20s cpu %7.0f us/op   wall %7.0f us/op%n", e.getKey(),
                    (bean.getCurrentThreadCpuTime() - cpu) / 2000e3, (System.nanoTime() - wall) / 2000e3);
        }
    }

    private static Verdict check(Verdict v) {
        if (!v.isValid()) throw new IllegalStateException(v.toString());
        return v;
    }

    static byte[] read(String rel) throws IOException {
        return Files.readAllBytes(vectors().resolve(rel));
    }

    /** ../shared beside the repository, or the nearest ancestor holding it (git worktrees sit deeper). */
    static Path vectors() {
        Path primary = TestPaths.shared().resolve("vectors/attestation");
        if (Files.isDirectory(primary)) return primary;
        for (Path p = TestPaths.repoRoot(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("shared/vectors/attestation"))) return p.resolve("shared/vectors/attestation");
        }
        throw new IllegalStateException(primary + " is missing (the shared attestation vectors)");
    }
}
