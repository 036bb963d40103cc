package io.verity.cli;

import picocli.CommandLine.Option;

/**
 * The HTTP limits every server takes (io.verity.http.HttpLimits, docs/security.md "HTTP limits"), as options of
 * {@code node start} and {@code gateway start}; passed on to the *Main parsers, which own defaults and checks.
 */
public final class HttpLimitOptions {
    @Option(names = "--max-body-bytes", description = "larger request bodies get 413 (default 67108864)")
    Long maxBodyBytes;

    @Option(names = "--idle-timeout-ms", description = "close a connection or request body silent this long (default 30000)")
    Long idleTimeoutMs;

    @Option(names = "--min-data-rate", description = "bytes/s a request body must average, else 408; 0: off (default 1024)")
    Long minDataRate;

    @Option(names = "--max-concurrent", description = "inference requests at once, beyond: 429 + Retry-After (default: node 64 per engine thread, gateway 256)")
    Integer maxConcurrent;

    @Option(names = "--retry-after-s", description = "what a 429 tells the client to wait (default 1)")
    Long retryAfterS;
}
