package io.verity.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.Supplier;

/**
 * Thread CPU time per operation for the {@link ReceiptBench} operations: on a shared, oversubscribed machine
 * JMH's wall-clock throughput understates what one core does, CPU time does not (much). Not a JMH benchmark;
 * run: {@code java -cp 'benchmarks/target/lib/*:benchmarks/target/verity-benchmarks.jar'
 * io.verity.bench.ReceiptCpuTime}.
 */
public final class ReceiptCpuTime {
    private static volatile Object sink;

    private ReceiptCpuTime() {}

    public static void main(String[] args) {
        System.out.println("secp256k1 k·G and recovery: " + ("bouncycastle".equals(System.getProperty("verity.secp256k1"))
                ? "BouncyCastle (-Dverity.secp256k1=bouncycastle)" : "libsecp256k1 if it loads, else BouncyCastle"));
        ReceiptBench b = new ReceiptBench();
        b.setUp();
        for (int round = 1; round <= 3; round++) {
            System.out.println("round " + round + (round < 3 ? " (warm-up)" : ""));
            report("tensorDigest1MiB", 200, b::tensorDigest1MiB);
            report("sign", 5_000, b::sign);
            report("signDigest", 5_000, b::signDigest);
            report("verify", 5_000, b::verify);
            report("recover", 5_000, b::recover);
        }
    }

    private static void report(String name, int n, Supplier<Object> op) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long start = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) sink = op.get();
        double micros = (mx.getCurrentThreadCpuTime() - start) / 1000.0 / n;
        System.out.printf("  %-17s %9.1f us CPU/op  %9.0f ops/s per core%n", name, micros, 1e6 / micros);
    }
}
