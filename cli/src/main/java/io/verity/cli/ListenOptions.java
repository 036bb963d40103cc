package io.verity.cli;

import picocli.CommandLine.Option;

/**
 * Where a server command binds: {@code --host} and {@code --port}. Each command passes its own default port; picocli
 * shows the field's initial value as the default.
 */
final class ListenOptions {
    @Option(names = "--host", description = "interface to bind (default: ${DEFAULT-VALUE})")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "port, 0 for any free one (default: ${DEFAULT-VALUE})")
    int port;

    ListenOptions(int defaultPort) {
        this.port = defaultPort;
    }
}
