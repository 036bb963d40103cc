package io.verity.bench.products;

import io.verity.engine.det.ops.gemm.Dot;
import io.verity.engine.det.ops.gemm.Packed;
import io.verity.engine.det.tensor.Parallel;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * verity-det/3's float products on all-MiniLM-L6-v2's shapes (M tokens x K) x (K x N), one thread: {@code lanes} is
 * {@link Dot}'s 8 x 2 register block reading b in place (what MatMul ran before the packed kernel), {@code packed} is
 * {@link Packed}'s 6 x 4 block on b packed once (as a weight is). Both give the same bits. GMAC/s = M*K*N / time.
 *
 * <p>Run: {@code ./verity bench GemmBench}, or in thread CPU time (robust on a shared machine; the numbers in
 * docs/benchmarks.md, "Products on packed weights"): {@code java --add-modules jdk.incubator.vector -cp
 * 'benchmarks/target/lib/*:benchmarks/target/verity-benchmarks.jar' io.verity.bench.products.GemmBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBench {
    /** M x K x N. */
    @Param({"128x384x384", "128x384x1536", "128x1536x384", "16x384x384", "16x384x1536", "16x1536x384"})
    public String shape;

    private int M, K, N;
    private float[] a, b, packed, c;

    @Setup
    public void setUp() {
        String[] s = shape.split("x");
        M = Integer.parseInt(s[0]);
        K = Integer.parseInt(s[1]);
        N = Integer.parseInt(s[2]);
        SplittableRandom r = new SplittableRandom(1);
        a = new float[M * K];
        b = new float[K * N];
        c = new float[M * N];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextDouble(-1, 1);
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextDouble(-1, 1);
        if (!Packed.available()) throw new IllegalStateException("needs AVX-512 and --add-modules jdk.incubator.vector");
        packed = Packed.pack(b, K, N);
    }

    @Benchmark
    public float[] lanes() {
        Dot.matmul(true, Parallel.SERIAL, M, N, K, a, 0, K, b, 0, N, c, 0, null, 0);
        return c;
    }

    @Benchmark
    public float[] packed() {
        Packed.matmul(Parallel.SERIAL, M, N, K, a, 0, K, b, 0, N, packed, 0, c, 0, N);
        return c;
    }

    /** GMAC/s in the calling thread's CPU time, each shape and kernel after a warm-up of the same length. */
    public static void main(String[] args) throws NoSuchFieldException {
        var bean = java.lang.management.ManagementFactory.getThreadMXBean();
        for (String sh : GemmBench.class.getField("shape").getAnnotation(Param.class).value()) {
            GemmBench g = new GemmBench();
            g.shape = sh;
            g.setUp();
            long macs = (long) g.M * g.K * g.N;
            int iters = (int) Math.max(10, 3_000_000_000L / macs);
            for (boolean packed : new boolean[] {false, true}) {
                for (int i = 0; i < iters; i++) if (packed) g.packed(); else g.lanes();
                long cpu = bean.getCurrentThreadCpuTime();
                for (int i = 0; i < iters; i++) if (packed) g.packed(); else g.lanes();
                double ns = bean.getCurrentThreadCpuTime() - cpu;
                System.out.printf(java.util.Locale.ROOT, "%-14s %-7s %6.1f GMAC/s%n", sh, packed ? "packed" : "lanes", macs * iters / ns);
            }
        }
    }
}
