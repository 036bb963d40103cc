package io.verity.http;

import io.javalin.config.JavalinConfig;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * Puts {@link HttpLimits} on a Javalin server and requires {@code application/json} on every POST (415): the body size Javalin checks against Content-Length, the idle
 * timeout of connections and request streams, and a minimum request data rate ({@link MinimumRateHandler}
 * around the whole app, so it covers every route, including those whose handlers read bodies their own way).
 * {@code HttpConfiguration.setMinRequestDataRate} is not used: Jetty 12 does not enforce it.
 */
public final class ServerHardening {
    private ServerHardening() {}

    public static void apply(JavalinConfig cfg, HttpLimits limits) {
        cfg.http.maxRequestSize = limits.maxBodyBytes();
        cfg.startup.showJavalinBanner = false;
        long idleMs = limits.idleTimeout().toMillis();
        // Every POST, on every route, including those another slice registers: JSON or 415, before any work
        // (and before a RouteGate takes a permit: it is installed after this).
        cfg.routes.before(ctx -> {
            String method = ctx.method().name();
            if (method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) RequestBodies.requireJson(ctx);
        });
        // A default rendering of the hardening's refusals; node and gateway register their own after this.
        cfg.routes.exception(HttpFailure.class, (f, ctx) -> ProblemResponses.send(ctx, f));
        cfg.jetty.modifyHttpConfiguration(http -> {
            http.setIdleTimeout(idleMs); // a request whose body stalls
            http.setSendServerVersion(false); // nothing about the server's software to a remote client
        });
        cfg.jetty.modifyServer(server -> {
            server.setErrorHandler(new ProblemErrorHandler()); // requests refused before any route: JSON, no internals
            if (limits.minDataRate() > 0) {
                // Javalin nests its servlet context inside a handler already set here.
                server.setHandler(new MinimumRateHandler(limits.minDataRate()));
            }
            // Connectors are added after this hook runs; set their idle timeout as the server starts them.
            server.addEventListener(new LifeCycle.Listener() {
                @Override
                public void lifeCycleStarting(LifeCycle event) {
                    for (Connector c : ((Server) event).getConnectors()) {
                        if (c instanceof AbstractConnector ac) ac.setIdleTimeout(idleMs);
                    }
                }
            });
        });
    }
}
