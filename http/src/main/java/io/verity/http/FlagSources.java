package io.verity.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Where a server main's flags come from, so a node, gateway or explorer runs as a service from one file: the
 * command line, then the environment ({@code VERITY_<FLAG>}, e.g. {@code VERITY_PRICE_WEI} for
 * {@code --price-wei}), then a config file ({@code --config FILE}, or {@code VERITY_CONFIG}), then the caller's
 * defaults; the first that sets a flag wins, for a repeatable flag with all its values. {@link #resolve} turns
 * them into one argument list for the main's own parser, so every check stays in one place.
 *
 * <p>The config file maps 1:1 onto the flags (docs/operators.md): {@code key = value} lines, the key a flag's name
 * without {@code --}, blank lines and lines starting with {@code #} ignored, a repeatable flag's key on several
 * lines; UTF-8, at most {@link #MAX_CONFIG_BYTES}. An unknown key, a second line for a flag that takes one value or
 * a malformed line is an error naming {@code file:line} and the key. The file never holds a secret: key flags take
 * a file or an environment variable's name, and a value that looks like a key is refused.
 */
public final class FlagSources {
    public static final String CONFIG_FLAG = "--config";
    public static final String CONFIG_ENV = "VERITY_CONFIG";
    /** Larger config files are refused: a config is a page of settings, never data. */
    public static final int MAX_CONFIG_BYTES = 64 * 1024;

    // The flags every server main reads (ServerFlags and NodeMain alike).
    private static final List<String> SERVER = List.of("--home", "--deployment", "--rpc", "--host", "--port");
    private static final Pattern LINE = Pattern.compile("([a-z0-9][a-z0-9-]*)\\s*=\\s*(.*)");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    // 32-byte hex (an EVM private key, with or without 0x) or a provider API key such as sk-...
    private static final Pattern KEY_LIKE = Pattern.compile("(0x)?[0-9a-fA-F]{64}|sk-[A-Za-z0-9_-]{16,}");

    private final Set<String> flags;
    private final Set<String> repeatable;

    private FlagSources(Set<String> flags, Set<String> repeatable) {
        this.flags = flags;
        this.repeatable = repeatable;
    }

    /**
     * The sources of a server main taking the shared server flags ({@code --home}, {@code --deployment},
     * {@code --rpc}, {@code --host}, {@code --port}, {@link HttpLimits#FLAGS}) and {@code own}.
     *
     * @param own the main's own flags, with {@code --}
     * @param repeatable those of {@code own} that may be given more than once
     */
    public static FlagSources server(Collection<String> own, Collection<String> repeatable) {
        Set<String> all = new LinkedHashSet<>(SERVER);
        all.addAll(HttpLimits.FLAGS);
        all.addAll(own);
        if (!all.containsAll(repeatable)) throw new IllegalArgumentException("repeatable flags must be flags: " + repeatable);
        return new FlagSources(java.util.Collections.unmodifiableSet(all), Set.copyOf(repeatable)); // in order: a stable argument list
    }

    /** {@link #resolve(String[], UnaryOperator, List)} without defaults. */
    public String[] resolve(String[] args, UnaryOperator<String> env) {
        return resolve(args, env, List.of());
    }

    /**
     * The command line with what the environment, the config file and {@code defaults} set for flags it leaves
     * out, and without {@code --config}. Unknown flags and malformed pairs on the command line are passed on for
     * the main to reject as it always has.
     *
     * @param env reads an environment variable (null when unset); {@code --home} and repeatable flags are not
     *     read from it ({@code VERITY_HOME} is the Verity home of the CLI, not a service's state directory)
     * @param defaults {@code --flag value} pairs below the config file (a CLI command's own defaults)
     * @throws IllegalArgumentException naming the file, line and key of a bad config line, or a bad --config
     */
    public String[] resolve(String[] args, UnaryOperator<String> env, List<String> defaults) {
        List<String> command = new ArrayList<>();
        Set<String> given = new LinkedHashSet<>();
        String config = null;
        for (int i = 0; i < args.length; i += 2) {
            if (args[i].equals(CONFIG_FLAG)) {
                if (i + 1 >= args.length) throw new IllegalArgumentException(CONFIG_FLAG + " needs a value");
                if (config != null) throw new IllegalArgumentException(CONFIG_FLAG + " given twice");
                config = args[i + 1];
                continue;
            }
            given.add(args[i]);
            command.add(args[i]);
            if (i + 1 < args.length) command.add(args[i + 1]);
        }
        if (config == null) config = blankToNull(env.apply(CONFIG_ENV));
        // --config '' means none, not even $VERITY_CONFIG: what a caller passes on an already resolved list
        Map<String, List<String>> file = config == null || config.isEmpty() ? Map.of() : read(Path.of(config));
        Map<String, List<String>> fallback = pairs(defaults);
        List<String> out = new ArrayList<>();
        for (String flag : flags) {
            if (given.contains(flag)) continue;
            String fromEnv = flag.equals("--home") || repeatable.contains(flag) ? null : blankToNull(env.apply(envName(flag)));
            List<String> values = fromEnv != null ? List.of(fromEnv) : file.getOrDefault(flag, fallback.get(flag));
            if (values != null) values.forEach(v -> out.addAll(List.of(flag, v)));
        }
        out.addAll(command); // last, so a parser where the last value wins sees the command line's
        return out.toArray(String[]::new);
    }

    /** {@code VERITY_} and the flag in upper snake case: {@code --price-wei} is {@code VERITY_PRICE_WEI}. */
    public static String envName(String flag) {
        return "VERITY_" + flag.substring(2).replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /** The config file as flag → values, checked line by line. */
    Map<String, List<String>> read(Path file) {
        String text = readText(file);
        Map<String, List<String>> values = new LinkedHashMap<>();
        Map<String, Integer> firstLine = new LinkedHashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int n = 1; n <= lines.length; n++) {
            String line = lines[n - 1].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String at = file + ":" + n + ": ";
            var m = LINE.matcher(line);
            if (!m.matches()) {  // the line itself is not echoed: it might be a pasted key
                throw new IllegalArgumentException(at + "expected 'key = value' (key: a flag's name without --, # starts a comment)");
            }
            String key = m.group(1), value = m.group(2).strip(), flag = "--" + key;
            if (!flags.contains(flag)) {
                if (key.endsWith("key") || key.contains("password")) {
                    throw new IllegalArgumentException(at + key + ": a config file never holds a key or password;"
                            + " name a file or an environment variable that holds it (a *-file or *-env key)");
                }
                throw new IllegalArgumentException(at + key + ": unknown key (not a flag of this command)");
            }
            if (value.isEmpty()) throw new IllegalArgumentException(at + key + ": no value");
            checkNotSecret(at, key, value);
            Integer first = firstLine.putIfAbsent(flag, n);
            if (first != null && !repeatable.contains(flag)) {
                throw new IllegalArgumentException(at + key + ": given twice (first on line " + first + "); only repeatable flags may be");
            }
            values.computeIfAbsent(flag, f -> new ArrayList<>()).add(value);
        }
        return values;
    }

    /** A key flag names a file or an environment variable; a value that is a key itself is refused, unechoed. */
    private static void checkNotSecret(String at, String key, String value) {
        boolean secretFlag = key.contains("key") || key.contains("password");
        if (!secretFlag) return;
        if (key.endsWith("-env") && !ENV_NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(at + key + ": expects the name of an environment variable, not its value");
        }
        if (KEY_LIKE.matcher(value).matches()) {
            throw new IllegalArgumentException(at + key + ": the value looks like a key itself; a config file never holds"
                    + " one: name a file (or, for *-env keys, an environment variable) that holds it");
        }
    }

    private static String readText(Path file) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_CONFIG_BYTES + 1);
        } catch (IOException e) {
            throw new IllegalArgumentException(CONFIG_FLAG + " " + file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (bytes.length > MAX_CONFIG_BYTES) {
            throw new IllegalArgumentException(file + ": larger than " + MAX_CONFIG_BYTES + " bytes; not a config file");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": not valid UTF-8", e);
        }
    }

    private static Map<String, List<String>> pairs(List<String> flat) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) m.computeIfAbsent(flat.get(i), f -> new ArrayList<>()).add(flat.get(i + 1));
        return m;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
