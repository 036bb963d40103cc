package io.verity.node.hub;

import io.verity.engine.EngineException;
import io.verity.engine.EngineKind;
import io.verity.engine.det.DeterministicEngine;
import io.verity.engine.onnx.OnnxGraphInfo;
import io.verity.engine.onnx.OnnxGraphs;
import io.verity.protocol.Hex;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.ModelSchema;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;

/**
 * A content-addressed store of ONNX models on local disk.
 *
 * <p>Layout: {@code <root>/<64 hex digits of keccak256(file)>/model.onnx} and {@code manifest.json} beside it.
 * A model appears all at once or not at all: add and fetch assemble it in {@code <root>/.staging/}, fsync,
 * and rename the directory into place; staging areas a crash left behind are deleted when a hub is opened.
 * Several hubs (threads or processes) may share a root: changes take a lock ({@code <root>/.lock}), reads
 * take none because a model directory is never changed once in place.
 *
 * <p>Thread-safe. Errors are {@link HubException}s, {@link IllegalArgumentException} for a malformed name or
 * version, and {@link UncheckedIOException} when the disk fails.
 */
public final class ModelHub {
    static final String MODEL_FILE = "model.onnx";
    static final String MANIFEST_FILE = "manifest.json";
    static final String STAGING_DIR = ".staging";
    static final String LOCK_FILE = ".lock";

    private static final Pattern DIGEST_DIR = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern PREFIX = Pattern.compile("(0[xX])?[0-9a-fA-F]{8,64}");
    /** FileLock is per process; this serialises the threads of one JVM in front of it. */
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    /** Test seam: called between the steps of an add, so a test can fail or stall it there. */
    interface StepHook {
        void reached(Step step) throws IOException;
    }

    enum Step {
        COPIED,
        MANIFEST_WRITTEN,
        BEFORE_RENAME
    }

    private final Path root;
    /** The root with symlinks resolved: two spellings of one directory must share one JVM lock. */
    private final Path lockKey;
    private final Clock clock;
    private final StepHook hook;
    private volatile Listing listing;

    /**
     * Opens (creating if needed) the hub at {@code root} and removes staging areas that crashed adds left.
     *
     * @throws UncheckedIOException when the directory cannot be created or cleaned
     */
    public ModelHub(Path root) {
        this(root, Clock.systemUTC(), step -> {});
    }

    ModelHub(Path root, Clock clock, StepHook hook) {
        this.root = root.toAbsolutePath().normalize();
        this.clock = clock;
        this.hook = hook;
        try {
            Files.createDirectories(this.root.resolve(STAGING_DIR));
            this.lockKey = this.root.toRealPath();
        } catch (IOException e) {
            throw io("cannot create the model hub at " + this.root, e);
        }
        withLock(() -> {
            Staging.cleanOrphans(stagingRoot());
            return null;
        });
    }

    /** {@code $VERITY_HOME/models}, with VERITY_HOME defaulting to {@code ~/.verity}. */
    public static Path defaultRoot() {
        return verityHome(System.getenv("VERITY_HOME")).resolve("models");
    }

    /** The Verity home directory: {@code verityHomeEnv} when set and not blank, else {@code ~/.verity}. */
    public static Path verityHome(String verityHomeEnv) {
        if (verityHomeEnv != null && !verityHomeEnv.isBlank()) return Path.of(verityHomeEnv);
        return Path.of(System.getProperty("user.home"), ".verity");
    }

    public Path root() {
        return root;
    }

    /**
     * Stores a copy of {@code file}. Adding the same bytes under the same name and version again returns the
     * stored manifest and changes nothing.
     *
     * @param license licence of the model, or null
     * @param source where it came from, or null
     * @throws IllegalArgumentException when name or version is malformed (see {@link Manifest})
     * @throws HubException.NotFound when {@code file} does not exist
     * @throws HubException.InvalidModel when the file is neither an ONNX model the hub can describe nor GGUF
     * @throws HubException.Conflict when name@version is bound to a different digest, or these bytes are
     *     stored under another name@version
     */
    public Manifest add(Path file, String name, String version, String license, String source) {
        return add(file, name, version, license, source, Optional.empty());
    }

    /** As above, on {@code engine} (empty: the node's); one DET cannot run is InvalidModel here, not at its first request. */
    public Manifest add(Path file, String name, String version, String license, String source, Optional<EngineKind> engine) {
        Manifest.checkName(name);
        Manifest.checkVersion(version);
        if (!Files.isRegularFile(file)) {
            throw new HubException.NotFound(file.toString(), "model file " + file + " does not exist or is not a file");
        }
        try (Staging staging = newStaging()) {
            Staging.Copied copied;
            try (InputStream in = Files.newInputStream(file)) {
                copied = staging.copyIn(in, n -> {});
            } catch (IOException e) {
                throw io("cannot copy " + file + " into the hub", e);
            }
            return commit(staging, copied, name, version, license, source, engine);
        }
    }

    private static boolean isGguf(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return java.util.Arrays.equals(in.readNBytes(4), "GGUF".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** A fresh staging area; the caller closes it (which deletes whatever was not committed). */
    Staging newStaging() {
        return withLock(() -> Staging.create(stagingRoot()));
    }

    /**
     * Describes the staged file, writes its manifest and renames the staging directory into place.
     * Idempotent and conflict-checked as {@link #add}.
     */
    Manifest commit(Staging staging, Staging.Copied copied, String name, String version, String license,
            String source, Optional<EngineKind> engine) {
        try {
            hook.reached(Step.COPIED);
            Manifest described;
            if (isGguf(staging.modelFile())) {
                // A language model: llama.cpp reads its own metadata; the hub checks it parses as GGUF.
                try {
                    io.verity.llm.gguf.GgufMetadata.read(staging.modelFile());
                } catch (IOException e) {
                    throw new HubException.InvalidModel("model " + copied.digest() + " is not a GGUF file llama.cpp can"
                            + " read: " + e.getMessage().replace(staging.modelFile().toString(), "the file"), e);
                }
                described = new Manifest(copied.digest(), name, version, license, source, copied.size(),
                        Manifest.FORMAT_GGUF, new ModelSchema(List.of(), List.of()), Map.of(),
                        new Manifest.Producer("", ""), clock.instant());
            } else {
                OnnxGraphInfo info;
                try {
                    info = OnnxGraphs.read(staging.modelFile());
                } catch (EngineException e) {
                    throw new HubException.InvalidModel(e.getMessage().replace(staging.modelFile().toString(),
                            "model " + copied.digest()), e);
                }
                described = new Manifest(copied.digest(), name, version, license, source, copied.size(),
                        Manifest.FORMAT_ONNX, info.schema(), info.opsets(),
                        new Manifest.Producer(info.producerName(), info.producerVersion()), clock.instant());
                if (engine.orElse(null) == EngineKind.DET) checkDeterministic(copied.digest(), staging.modelFile());
            }
            Manifest manifest = described.withEngine(engine); // a language model refuses one
            try (FileChannel out = FileChannel.open(staging.dir().resolve(MANIFEST_FILE),
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                out.write(java.nio.ByteBuffer.wrap(manifest.toJson().getBytes(StandardCharsets.UTF_8)));
                out.force(true);
            }
            Staging.syncDir(staging.dir());
            hook.reached(Step.MANIFEST_WRITTEN);
            return withLock(() -> {
                Optional<Manifest> existing = find(copied.digest());
                if (existing.isPresent()) {
                    Manifest m = existing.get();
                    if (m.name().equals(name) && m.version().equals(version) && m.engine().equals(engine)) return m;
                    throw new HubException.Conflict(m.digest(), "model " + m.digest() + " is already in the hub as "
                            + m.ref() + engineNote(m.engine()) + "; remove it before adding it as " + name + "@" + version
                            + engineNote(engine));
                }
                for (Manifest other : list()) {
                    if (other.name().equals(name) && other.version().equals(version)) {
                        throw new HubException.Conflict(other.digest(), name + "@" + version
                                + " is already bound to model " + other.digest() + ", not " + copied.digest()
                                + "; choose another version");
                    }
                }
                hook.reached(Step.BEFORE_RENAME);
                Files.move(staging.dir(), modelDir(copied.digest()), StandardCopyOption.ATOMIC_MOVE);
                Staging.syncDir(root);
                return manifest;
            });
        } catch (IOException e) {
            throw io("cannot store model " + copied.digest() + " in " + root, e);
        }
    }

    private static String engineNote(Optional<EngineKind> engine) {
        return engine.map(e -> " on engine " + e.wireName()).orElse(""); // none: the node's default
    }
    /** Loads the model into a throwaway deterministic engine: what a node on it would do at the first request. */
    private static void checkDeterministic(Keccak256 digest, Path file) {
        try (DeterministicEngine det = DeterministicEngine.create(1, false, DeterministicEngine.ID_V3)) { // what det nodes run
            det.load(digest, file);
        } catch (EngineException e) {
            throw new HubException.InvalidModel("model " + digest + " cannot run on the deterministic engine ("
                    + DeterministicEngine.ID_V3 + "): " + e.getMessage().replace(file.toString(), "the file")
                    .replace(file.getFileName().toString(), "the file") + "; add it with --engine onnxruntime", e);
        }
    }

    /** Every stored model, by name, then version (newest last), then digest. */
    public List<Manifest> list() {
        // A node resolves a model on every request: re-reading and parsing every manifest each time cost
        // more than the inference itself. The listing is reused while neither the root (entries added or
        // removed) nor any listed manifest (hand edits) has a new modification time: stats, not reads.
        try {
            Listing cached = listing;
            FileTime rootTime = Files.getLastModifiedTime(root);
            if (cached != null && cached.isCurrent(rootTime)) return cached.manifests();
            List<Manifest> fresh = readAll();
            listing = Listing.of(rootTime, root, fresh);
            return fresh;
        } catch (IOException e) {
            throw io("cannot list the model hub at " + root, e);
        }
    }

    /** A listing and the modification times it was read at. */
    private record Listing(FileTime rootTime, List<Path> manifestFiles, List<FileTime> manifestTimes,
            List<Manifest> manifests) {
        static Listing of(FileTime rootTime, Path root, List<Manifest> manifests) throws IOException {
            List<Path> files = new ArrayList<>();
            List<FileTime> times = new ArrayList<>();
            for (Manifest m : manifests) {
                Path f = root.resolve(m.digest().toHex().substring(2)).resolve(MANIFEST_FILE); // = modelDir(d)/manifest
                files.add(f);
                times.add(Files.getLastModifiedTime(f));
            }
            return new Listing(rootTime, List.copyOf(files), List.copyOf(times), List.copyOf(manifests));
        }

        boolean isCurrent(FileTime now) throws IOException {
            if (!now.equals(rootTime)) return false;
            for (int i = 0; i < manifestFiles.size(); i++) {
                if (!Files.exists(manifestFiles.get(i))
                        || !Files.getLastModifiedTime(manifestFiles.get(i)).equals(manifestTimes.get(i))) {
                    return false;
                }
            }
            return true;
        }
    }

    private List<Manifest> readAll() {
        List<Manifest> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path dir : dirs) {
                if (!DIGEST_DIR.matcher(dir.getFileName().toString()).matches()) continue;
                readManifest(dir).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw io("cannot list the model hub at " + root, e);
        }
        out.sort(Comparator.comparing(Manifest::name)
                .thenComparing(Manifest::version, Versions.ORDER)
                .thenComparing(Manifest::digest));
        return out;
    }

    /** The manifest of the stored model with this digest, if any; from the cached listing (gateways ask by digest). */
    public Optional<Manifest> find(Keccak256 digest) {
        for (Manifest m : list()) if (m.digest().equals(digest)) return Optional.of(m);
        return Optional.empty();
    }

    /**
     * The manifest of the model {@code ref} names.
     *
     * @param ref {@code 0x}+64 hex digits (a digest); 8 or more leading hex digits of a digest, with or
     *     without 0x; {@code name@version}; or a name, meaning its latest version (see {@link #resolve})
     * @throws HubException.NotFound when nothing matches
     * @throws HubException.Ambiguous when a digest prefix matches several models
     */
    public Manifest show(String ref) {
        if (ref == null || ref.isBlank()) throw new IllegalArgumentException("model reference must not be empty");
        int at = ref.indexOf('@');
        if (at >= 0) {
            String name = ref.substring(0, at);
            String version = ref.substring(at + 1);
            return list().stream()
                    .filter(m -> m.name().equals(name) && m.version().equals(version))
                    .findFirst()
                    .orElseThrow(() -> new HubException.NotFound(ref, "no model " + ref + " in " + root
                            + versionsHint(name)));
        }
        if (ref.length() == 66 && PREFIX.matcher(ref).matches()) {
            Keccak256 digest = Keccak256.parse(ref);
            return find(digest).orElseThrow(
                    () -> new HubException.NotFound(ref, "no model with digest " + digest + " in " + root));
        }
        if (PREFIX.matcher(ref).matches()) {
            String hex = (ref.startsWith("0x") || ref.startsWith("0X") ? ref.substring(2) : ref)
                    .toLowerCase(Locale.ROOT);
            List<Manifest> matches = new ArrayList<>();
            for (Manifest m : list()) {
                if (m.digest().toHex().substring(2).startsWith(hex)) matches.add(m);
            }
            if (matches.size() > 1) {
                throw new HubException.Ambiguous(ref, matches.stream().map(Manifest::digest).toList());
            }
            if (matches.isEmpty()) throw new HubException.NotFound(ref, "no model with digest " + ref + " in " + root);
            return matches.get(0);
        }
        List<Manifest> named = list().stream().filter(m -> m.name().equals(ref)).toList();
        if (named.isEmpty() && (ref.startsWith("0x") || ref.startsWith("0X"))) {
            throw new HubException.NotFound(ref, "no model matches '" + ref
                    + "': a digest or digest prefix is 0x followed by 8 to 64 hex digits");
        }
        if (named.isEmpty()) throw new HubException.NotFound(ref, "no model named '" + ref + "' in " + root);
        return named.get(named.size() - 1); // list() orders versions, newest last
    }

    /**
     * The digest {@code ref} names: as {@link #show}, so a bare name means its latest version by semantic
     * order ("1.10" after "1.9", "2.0-rc1" before "2.0").
     */
    public Keccak256 resolve(String ref) {
        return show(ref).digest();
    }

    /**
     * Deletes the model {@code ref} names (see {@link #show}); a crash midway leaves the model either whole
     * or gone.
     *
     * @return the removed model's manifest
     */
    public Manifest remove(String ref) {
        Manifest m = show(ref);
        withLock(() -> {
            Path dir = modelDir(m.digest());
            if (!Files.exists(dir)) return null; // removed meanwhile
            Path trash = stagingRoot().resolve("removed-" + Hex.encode(m.digest().toArray()).substring(2, 18)
                    + "-" + java.util.UUID.randomUUID());
            Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
            Staging.syncDir(root);
            Staging.deleteTree(trash);
            return null;
        });
        return m;
    }

    /**
     * The stored model file for {@code digest}.
     *
     * @throws HubException.NotFound when the hub does not hold it
     */
    public Path file(Keccak256 digest) {
        Path f = modelDir(digest).resolve(MODEL_FILE);
        if (!Files.isRegularFile(f) || !Files.isRegularFile(modelDir(digest).resolve(MANIFEST_FILE))) {
            throw new HubException.NotFound(digest.toHex(), "no model with digest " + digest + " in " + root);
        }
        return f;
    }

    private String versionsHint(String name) {
        List<String> versions = list().stream().filter(m -> m.name().equals(name)).map(Manifest::version).toList();
        return versions.isEmpty() ? "" : " (versions held: " + String.join(", ", versions) + ")";
    }

    private Optional<Manifest> readManifest(Path dir) {
        Path f = dir.resolve(MANIFEST_FILE);
        String json;
        try {
            json = Files.readString(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw io("cannot read " + f, e);
        }
        Manifest m;
        try {
            m = Manifest.parse(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("corrupt manifest " + f + ": " + e.getMessage(), e);
        }
        if (!dir.getFileName().toString().equals(m.digest().toHex().substring(2))) {
            // the store was edited by hand: serving it would hand out a file under the wrong identity
            throw new IllegalStateException("corrupt hub entry " + dir + ": its manifest names digest " + m.digest());
        }
        return Optional.of(m);
    }

    Path modelDir(Keccak256 digest) {
        return root.resolve(digest.toHex().substring(2));
    }

    private Path stagingRoot() {
        return root.resolve(STAGING_DIR);
    }

    private interface LockedBody<T> {
        T run() throws IOException;
    }

    private <T> T withLock(LockedBody<T> body) {
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockKey, r -> new ReentrantLock());
        jvmLock.lock();
        try (FileChannel ch = FileChannel.open(root.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            FileLock lock = ch.lock();
            try {
                return body.run();
            } finally {
                lock.release();
            }
        } catch (IOException e) {
            throw io("model hub " + root + " failed", e);
        } finally {
            jvmLock.unlock();
        }
    }

    private static UncheckedIOException io(String what, IOException e) {
        return new UncheckedIOException(what + ": " + e, e);
    }
}
