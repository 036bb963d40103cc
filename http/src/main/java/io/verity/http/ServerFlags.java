package io.verity.http;

import java.nio.file.Path;

/**
 * A server main's command line, {@code --flag value} pairs, read the same way by every main. The flags servers
 * share are read here: the {@link HttpLimits} ones, {@code --home}, {@code --deployment}, {@code --rpc},
 * {@code --host} and {@code --port}; {@link #next()} hands the main its own flags one at a time.
 */
public final class ServerFlags {
    private final String[] args;
    private int at = -2;
    private HttpLimits limits = HttpLimits.DEFAULT;
    private Path home;
    private Path deployment;
    private String rpc;
    private String host = "127.0.0.1";
    private int port;

    public ServerFlags(String[] args) {
        this.args = args.clone();
    }

    /**
     * Moves to the next flag that is the main's own ({@link #flag()}, {@link #value()}); false after the last.
     *
     * @throws IllegalArgumentException for a flag without a value or a bad value of a shared flag
     */
    public boolean next() {
        while ((at += 2) < args.length) {
            String flag = args[at];
            if (at + 1 >= args.length) throw new IllegalArgumentException(flag + " needs a value");
            String v = args[at + 1];
            var l = limits.parseFlag(flag, v);
            if (l.isPresent()) {
                limits = l.get();
                continue;
            }
            try {
                switch (flag) {
                    case "--home" -> home = Path.of(v);
                    case "--deployment" -> deployment = Path.of(v);
                    case "--rpc" -> rpc = v;
                    case "--host" -> host = v;
                    case "--port" -> port = Integer.parseInt(v);
                    default -> {
                        return true;
                    }
                }
            } catch (NumberFormatException e) {
                throw notANumber();
            }
        }
        return false;
    }

    public String flag() {
        return args[at];
    }

    public String value() {
        return args[at + 1];
    }

    /** For a main's own number flag that does not parse. */
    public IllegalArgumentException notANumber() {
        return new IllegalArgumentException(flag() + " expects a number, got '" + value() + "'");
    }

    /** For a flag neither the main nor this class knows. */
    public IllegalArgumentException unknown() {
        return new IllegalArgumentException("unknown argument " + flag());
    }

    public HttpLimits limits() {
        return limits;
    }

    /** @throws IllegalArgumentException when {@code --home} was not given */
    public Path home() {
        if (home == null) throw new IllegalArgumentException("--home is required");
        return home;
    }

    /** @throws IllegalArgumentException when {@code --deployment} was not given */
    public Path deployment() {
        if (deployment == null) throw new IllegalArgumentException("--deployment is required");
        return deployment;
    }

    /** {@code --rpc}, overriding the deployment's; null when not given. */
    public String rpc() {
        return rpc;
    }

    /** {@code --host}, default 127.0.0.1. */
    public String host() {
        return host;
    }

    /** {@code --port}, default 0 (any free port). */
    public int port() {
        return port;
    }
}
