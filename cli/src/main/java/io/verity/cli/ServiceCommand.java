package io.verity.cli;

import io.verity.http.FlagSources;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The start command of a network service (the gateway, the explorer): the options every service takes
 * ({@link ServiceOptions}, {@link HttpLimitOptions}) beside its own, all read by the service's *Main parser so that
 * the command and the process entry point share one parser; then the service runs until the JVM is asked to stop.
 *
 * @param <C> the service's config, as its *Main parser returns it
 */
abstract class ServiceCommand<C> implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServiceOptions service;

    @Mixin
    HttpLimitOptions httpLimits = new HttpLimitOptions();

    private final FlagSources flags;
    private final Function<String[], C> parse;

    /**
     * @param name        the service, naming its directory in the Verity home
     * @param defaultPort where it listens without {@code --port}
     * @param flags       its *Main's flags and their sources ({@code FLAGS})
     * @param parse       its *Main parser
     */
    ServiceCommand(String name, int defaultPort, FlagSources flags, Function<String[], C> parse) {
        this.service = new ServiceOptions(name, defaultPort);
        this.flags = flags;
        this.parse = parse;
    }

    /** Runs the service until the JVM is asked to shut down (its *Main's {@code runUntilTerminated}). */
    abstract void run(C config) throws InterruptedException;

    @Override
    public final Integer call() throws Exception {
        run(config());
        return 0;
    }

    /** The options through the *Main parser: typed ones first, then environment and --config, then defaults. */
    final C config() {
        return Flags.throughMain(spec, service::addHomeAndDeployment, flags, parse);
    }
}
