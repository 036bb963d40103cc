package io.verity.bench;

import io.verity.node.receipts.ReceiptLog;
import io.verity.protocol.Keccak256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The receipt log's durable append on this disk, one appender (an answer at c=1): a log that grows with every
 * append ({@code --receipt-log-reserve-mb 0}, the I/O of the log before the reserve: data, file size, and on a
 * journaling file system a journal commit per sync) against one written ahead (the default: data only). Records
 * of a receipt's size (900 B of JSON), the two logs' appends alternated so the machine's load hits both alike.
 *
 * <pre>java -cp "benchmarks/target/lib/*:benchmarks/target/verity-benchmarks.jar" io.verity.bench.ReceiptLogSync [appends [dir]]
 * (after ./mvnw -q -o -DskipTests -pl benchmarks -am package; dir: where the logs go, default java.io.tmpdir)</pre>
 */
public final class ReceiptLogSync {
    private ReceiptLogSync() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        Path root = args.length > 1 ? Path.of(args[1]) : Path.of(System.getProperty("java.io.tmpdir"));
        byte[] json = new byte[900];
        Arrays.fill(json, (byte) 'x');
        long[][] nanos = new long[2][n];
        Path grow = Files.createTempDirectory(root, "receipt-log-grow");
        Path ahead = Files.createTempDirectory(root, "receipt-log-ahead");
        try (ReceiptLog growing = ReceiptLog.open(grow, 0); ReceiptLog reserved = ReceiptLog.open(ahead)) {
            ReceiptLog[] logs = {growing, reserved};
            for (int i = 0; i < n; i++) {
                Keccak256 id = Keccak256.hash(("receipt " + i).getBytes(StandardCharsets.UTF_8));
                for (int k = 0; k < 2; k++) {
                    int m = (i + k) % 2; // alternate which goes first
                    long t = System.nanoTime();
                    logs[m].append(id, json);
                    nanos[m][i] = System.nanoTime() - t;
                }
            }
        } finally {
            for (Path dir : new Path[] {grow, ahead}) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) Files.delete(f);
                }
                Files.delete(dir);
            }
        }
        System.out.printf("%d appends of 900 B each, one appender, in %s%n", n, root);
        System.out.printf("%-34s %9s %9s %9s %9s%n", "log", "p50 µs", "p90 µs", "p99 µs", "mean µs");
        String[] names = {"grows with every append (reserve 0)", "written ahead (reserve 4 MiB)"};
        for (int m = 0; m < 2; m++) {
            long[] t = nanos[m].clone();
            Arrays.sort(t);
            System.out.printf("%-34s %9.1f %9.1f %9.1f %9.1f%n", names[m], t[n / 2] / 1e3, t[n * 9 / 10] / 1e3,
                    t[Math.min(n - 1, n * 99 / 100)] / 1e3, Arrays.stream(t).average().orElse(0) / 1e3);
        }
    }
}
