package io.verity.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.verity.protocol.wire.ProblemKind;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * A bound on the requests running at once on a group of routes (the inference routes): one more than
 * {@code permits} is refused at once with 429 and Retry-After, instead of queueing without bound behind an
 * engine that can run only a few. A gateway reads a node's 429 as "try another node".
 */
public final class RouteGate {
    private static final String HELD = "verity.routeGate.held";

    private final Semaphore permits;
    private final int size;
    private final HttpLimits limits;

    private RouteGate(int permits, HttpLimits limits) {
        if (permits < 1) throw new IllegalArgumentException("permits must be >= 1, got " + permits);
        this.permits = new Semaphore(permits);
        this.size = permits;
        this.limits = limits;
    }

    /** Gates {@code paths} (exact route paths) with {@code permits} concurrent requests. */
    public static RouteGate install(JavalinConfig cfg, HttpLimits limits, int permits, List<String> paths) {
        RouteGate gate = new RouteGate(permits, limits);
        for (String path : paths) {
            cfg.routes.before(path, gate::enter);
            cfg.routes.after(path, gate::leave); // runs after the handler, also when it (or enter) threw
        }
        return gate;
    }

    public int permits() {
        return size;
    }

    /** Requests running now. */
    public int inUse() {
        return size - permits.availablePermits();
    }

    private void enter(Context ctx) {
        if (!"POST".equals(ctx.method().name())) return; // a GET or OPTIONS is a 404/405, not work
        if (!permits.tryAcquire()) {
            throw new HttpFailure(ProblemKind.RATE_LIMITED, "this server already runs " + size
                    + " requests on this route; retry after " + limits.retryAfter().toSeconds() + " s or elsewhere",
                    List.of(), Optional.of(limits.retryAfter()));
        }
        ctx.attribute(HELD, Boolean.TRUE);
    }

    private void leave(Context ctx) {
        if (Boolean.TRUE.equals(ctx.attribute(HELD))) {
            ctx.attribute(HELD, null);
            permits.release();
        }
    }
}
