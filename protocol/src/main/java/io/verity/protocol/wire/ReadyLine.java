package io.verity.protocol.wire;

import io.verity.protocol.EvmAddress;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * The line a node, gateway or explorer process prints on stdout once it serves: {@code READY <url> [address]}
 * (the address of the key a node signs with). A parent process (the {@code verity up} supervisor, tests) waits
 * for it to learn where the child listens; the mains print {@link #toString()}, parents {@link #parse} each line.
 */
public record ReadyLine(URI url, Optional<EvmAddress> address) {
    public static final String PREFIX = "READY ";

    public ReadyLine {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(address, "address");
    }

    public static ReadyLine of(URI url) {
        return new ReadyLine(url, Optional.empty());
    }

    public static ReadyLine of(URI url, EvmAddress address) {
        return new ReadyLine(url, Optional.of(address));
    }

    /**
     * The READY line in {@code line} (surrounding blanks ignored), or empty for any other output line.
     *
     * @throws IllegalArgumentException when the line starts with READY but its url or address is malformed
     */
    public static Optional<ReadyLine> parse(String line) {
        String s = line.strip();
        if (!s.startsWith(PREFIX)) return Optional.empty();
        String[] parts = s.substring(PREFIX.length()).strip().split("\\s+");
        if (parts.length > 2) throw new IllegalArgumentException("READY line must be READY <url> [address], got '" + s + "'");
        URI url = URI.create(parts[0]);
        if (url.getScheme() == null || url.getHost() == null) {
            throw new IllegalArgumentException("READY line's url must be absolute, got '" + parts[0] + "'");
        }
        return Optional.of(new ReadyLine(url, parts.length == 2 ? Optional.of(EvmAddress.parse(parts[1])) : Optional.empty()));
    }

    @Override
    public String toString() {
        return PREFIX + url + address.map(a -> " " + a).orElse("");
    }
}
