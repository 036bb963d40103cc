package io.verity.http;

import java.time.Duration;
import java.util.Optional;

/**
 * The limits a server puts on each client, so that no single request or client can take it down.
 * docs/security.md ("HTTP limits") has one row per limit.
 *
 * @param maxBodyBytes a larger body is refused with 413, whether it announces its length or streams chunks
 * @param idleTimeout a connection (or a request body) that sends nothing for this long is closed
 * @param minDataRate bytes per second a request body must average once it has started; a slower one is cut off
 *     (408): without it a client trickling one byte a second holds a thread and a connection forever
 * @param maxConcurrent requests running at once on the gated routes (the inference routes); one more gets 429
 *     with Retry-After. 0: the server derives it (a node from its engine threads, see {@link #concurrentOr})
 * @param retryAfter what a 429 tells the client to wait
 */
public record HttpLimits(long maxBodyBytes, Duration idleTimeout, long minDataRate, int maxConcurrent, Duration retryAfter) {
    public static final long DEFAULT_MAX_BODY_BYTES = 64L << 20;
    public static final HttpLimits DEFAULT = new HttpLimits(DEFAULT_MAX_BODY_BYTES, Duration.ofSeconds(30), 1024, 0,
            Duration.ofSeconds(1));

    /** The flags every server takes, for usage lines. */
    public static final String USAGE = "[--max-body-bytes N] [--idle-timeout-ms MS] [--min-data-rate BYTES_PER_S]"
            + " [--max-concurrent N] [--retry-after-s S]";

    /** The flags of {@link #USAGE}, each taking one value. */
    public static final java.util.List<String> FLAGS = java.util.List.of("--max-body-bytes", "--idle-timeout-ms", "--min-data-rate",
            "--max-concurrent", "--retry-after-s");

    public HttpLimits {
        if (maxBodyBytes < 1024) throw new IllegalArgumentException("maxBodyBytes must be >= 1024, got " + maxBodyBytes);
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be > 0, got " + idleTimeout.toMillis() + " ms");
        }
        if (minDataRate < 0) throw new IllegalArgumentException("minDataRate must be >= 0 bytes/s (0: off), got " + minDataRate);
        if (maxConcurrent < 0) throw new IllegalArgumentException("maxConcurrent must be >= 0 (0: derived), got " + maxConcurrent);
        if (retryAfter.isNegative() || retryAfter.toSeconds() < 1) {
            throw new IllegalArgumentException("retryAfter must be >= 1 s, got " + retryAfter.toMillis() + " ms");
        }
    }

    public HttpLimits withMaxBodyBytes(long n) {
        return new HttpLimits(n, idleTimeout, minDataRate, maxConcurrent, retryAfter);
    }

    public HttpLimits withIdleTimeout(Duration d) {
        return new HttpLimits(maxBodyBytes, d, minDataRate, maxConcurrent, retryAfter);
    }

    public HttpLimits withMinDataRate(long bytesPerSecond) {
        return new HttpLimits(maxBodyBytes, idleTimeout, bytesPerSecond, maxConcurrent, retryAfter);
    }

    public HttpLimits withMaxConcurrent(int n) {
        return new HttpLimits(maxBodyBytes, idleTimeout, minDataRate, n, retryAfter);
    }

    public HttpLimits withRetryAfter(Duration d) {
        return new HttpLimits(maxBodyBytes, idleTimeout, minDataRate, maxConcurrent, d);
    }

    /** {@link #maxConcurrent}, or {@code derived} when it is 0. */
    public int concurrentOr(int derived) {
        return maxConcurrent > 0 ? maxConcurrent : derived;
    }

    /**
     * Applies {@code flag value} when it is one of {@link #USAGE}'s; empty when the flag is not ours, so a
     * server's parser asks here first and then handles its own flags.
     *
     * @throws IllegalArgumentException naming the flag, what it expects and what it got
     */
    public Optional<HttpLimits> parseFlag(String flag, String value) {
        try {
            return Optional.ofNullable(switch (flag) {
                case "--max-body-bytes" -> withMaxBodyBytes(Long.parseLong(value));
                case "--idle-timeout-ms" -> withIdleTimeout(Duration.ofMillis(Long.parseLong(value)));
                case "--min-data-rate" -> withMinDataRate(Long.parseLong(value));
                case "--max-concurrent" -> withMaxConcurrent(Integer.parseInt(value));
                case "--retry-after-s" -> withRetryAfter(Duration.ofSeconds(Long.parseLong(value)));
                default -> null;
            });
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": expected a number, got '" + value + "'", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
        }
    }
}
