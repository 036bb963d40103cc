package io.verity.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.json.FieldError;
import io.verity.protocol.json.FieldErrors;
import io.verity.protocol.wire.ProblemKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class HttpLimitsTest {
    @Test
    void flags_set_one_limit_each_and_leave_other_flags_to_the_server() {
        HttpLimits l = HttpLimits.DEFAULT.parseFlag("--max-concurrent", "4").orElseThrow()
                .parseFlag("--idle-timeout-ms", "250").orElseThrow();
        assertThat(l).isEqualTo(HttpLimits.DEFAULT.withMaxConcurrent(4).withIdleTimeout(Duration.ofMillis(250)));
        assertThat(HttpLimits.DEFAULT.parseFlag("--port", "80")).isEmpty();
        assertThat(l.concurrentOr(99)).isEqualTo(4);
        assertThat(HttpLimits.DEFAULT.concurrentOr(99)).isEqualTo(99);
    }

    @Test
    void a_bad_value_names_the_flag_and_the_value() {
        assertThatThrownBy(() -> HttpLimits.DEFAULT.parseFlag("--max-body-bytes", "1k"))
                .hasMessage("--max-body-bytes: expected a number, got '1k'");
        assertThatThrownBy(() -> HttpLimits.DEFAULT.parseFlag("--retry-after-s", "0"))
                .hasMessage("--retry-after-s: retryAfter must be >= 1 s, got 0 ms");
        assertThatThrownBy(() -> HttpLimits.DEFAULT.parseFlag("--min-data-rate", "-5"))
                .hasMessage("--min-data-rate: minDataRate must be >= 0 bytes/s (0: off), got -5");
    }

    @Test
    void error_lists_keep_twenty_and_count_the_rest() {
        FieldErrors c = new FieldErrors();
        for (int i = 0; i < 1_000_000; i++) c.add("/k" + i, "unknown");
        List<FieldError> out = c.toList();
        assertThat(c.count()).isEqualTo(1_000_000);
        assertThat(out).hasSize(FieldErrors.MAX + 1);
        assertThat(out.getLast()).isEqualTo(new FieldError("", "999980 more errors not shown"));
        assertThat(FieldErrors.cap(out)).isSameAs(out); // already capped: not cut again
        List<FieldError> raw = new ArrayList<>();
        for (int i = 0; i < 50; i++) raw.add(new FieldError("/k" + i, "x"));
        assertThat(FieldErrors.cap(raw)).hasSize(21).last().isEqualTo(new FieldError("", "30 more errors not shown"));
    }

    @Test
    void a_failure_carries_its_kind_source_and_capped_errors() {
        List<FieldError> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) many.add(new FieldError("/k" + i, "x"));
        HttpFailure f = new HttpFailure(ProblemKind.MALFORMED_JSON, "bad", many, java.util.Optional.empty());
        assertThat(f.errors()).hasSize(21);
        assertThat(f.status()).isEqualTo(400);
        assertThat(f.source().retryElsewhere()).isFalse();
        assertThat(f.getStackTrace()).isEmpty();
        assertThat(ProblemKind.RATE_LIMITED.source.retryElsewhere()).isTrue();
        assertThat(ProblemKind.REQUEST_TIMEOUT.type()).isEqualTo("urn:verity:problem:request-timeout");
    }
}
