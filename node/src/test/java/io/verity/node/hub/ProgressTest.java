package io.verity.node.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ProgressTest {
    static final long MIB = 1024 * 1024;

    final ByteArrayOutputStream sink = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(sink, true, StandardCharsets.UTF_8);
    final AtomicLong nanos = new AtomicLong();

    @Test
    void prints_one_plain_line_per_ten_percent_when_not_on_a_terminal() {
        Progress p = new Progress(out, false, 20 * MIB, nanos::get, "get m");
        for (long done = MIB / 2; done <= 20 * MIB; done += MIB / 2) {
            nanos.addAndGet(250_000_000L); // 0.5 MiB per 0.25 s = 2 MB/s
            p.update(done);
        }
        p.finish();

        assertThat(sink.toString(StandardCharsets.UTF_8).lines().toList()).containsExactly(
                "get m  10% 2.0/20.0 MB 2.0 MB/s",
                "get m  20% 4.0/20.0 MB 2.0 MB/s",
                "get m  30% 6.0/20.0 MB 2.0 MB/s",
                "get m  40% 8.0/20.0 MB 2.0 MB/s",
                "get m  50% 10.0/20.0 MB 2.0 MB/s",
                "get m  60% 12.0/20.0 MB 2.0 MB/s",
                "get m  70% 14.0/20.0 MB 2.0 MB/s",
                "get m  80% 16.0/20.0 MB 2.0 MB/s",
                "get m  90% 18.0/20.0 MB 2.0 MB/s",
                "get m 100% 20.0/20.0 MB 2.0 MB/s");
    }

    @Test
    void redraws_one_line_in_place_at_most_every_100_ms_on_a_terminal() {
        Progress p = new Progress(out, true, 4 * MIB, nanos::get, "get m");
        nanos.set(50_000_000L);
        p.update(MIB); // first draw
        nanos.set(100_000_000L);
        p.update(2 * MIB); // 50 ms later: skipped
        nanos.set(200_000_000L);
        p.update(4 * MIB); // drawn
        p.finish();

        assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo(
                "\rget m  25% 1.0/4.0 MB 20.0 MB/s"
                        + "\rget m 100% 4.0/4.0 MB 20.0 MB/s"
                        + "\rget m 100% 4.0/4.0 MB 20.0 MB/s" + System.lineSeparator());
    }
}
