package io.verity.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --config FILE} of a server command; forwarded to its *Main parser, which reads the file (FlagSources). */
final class ConfigFileOption {
    @Option(names = "--config", paramLabel = "FILE", description = "a config file of key = value lines, one per flag"
            + " (docs/operators.md); flags and VERITY_<FLAG> variables override it (default: $VERITY_CONFIG)")
    Path config;
}
