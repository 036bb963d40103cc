package io.verity.node.hub;

import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.bouncycastle.jcajce.provider.digest.Keccak;

/**
 * A private directory under {@code <root>/.staging/} where one add or fetch assembles a model before the
 * hub renames it into place. While it is in use, {@code <id>.lock} beside it is locked, which is how
 * {@link #cleanOrphans(Path)} tells a live staging area (of this or another process) from one a crash left.
 */
final class Staging implements AutoCloseable {
    private static final int BUFFER = 1 << 20;

    private final Path dir;
    private final Path lockFile;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private boolean closed;

    private Staging(Path dir, Path lockFile, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockFile = lockFile;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Creates and locks a new staging area; the hub calls this under its root lock (see cleanOrphans). */
    static Staging create(Path stagingRoot) throws IOException {
        String id = UUID.randomUUID().toString();
        Path lockFile = stagingRoot.resolve(id + ".lock");
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            FileLock lock = ch.lock();
            Path dir = Files.createDirectory(stagingRoot.resolve(id));
            return new Staging(dir, lockFile, ch, lock);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(lockFile);
            throw e;
        }
    }

    Path dir() {
        return dir;
    }

    Path modelFile() {
        return dir.resolve(ModelHub.MODEL_FILE);
    }

    /** What {@link #copyIn} wrote. */
    record Copied(Keccak256 digest, long size) {}

    /**
     * Streams {@code in} into the staged model file, hashing as it goes, and fsyncs the file.
     *
     * @param progress called with the running byte count after each chunk
     */
    Copied copyIn(InputStream in, LongConsumer progress) throws IOException {
        Keccak.Digest256 keccak = new Keccak.Digest256();
        long total = 0;
        try (FileChannel out = FileChannel.open(modelFile(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buf = new byte[BUFFER];
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                if (n == 0) continue;
                keccak.update(buf, 0, n);
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) out.write(bb);
                total += n;
                progress.accept(total);
            }
            out.force(true);
        }
        return new Copied(Keccak256.wrap(keccak.digest()), total);
    }

    /** Deletes whatever is still staged (nothing, after a successful rename) and releases the lock. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            deleteTree(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete staging directory " + dir + ": " + e.getMessage(), e);
        } finally {
            try {
                lock.release();
                lockChannel.close();
                Files.deleteIfExists(lockFile);
            } catch (IOException ignored) {
                // an undeletable lock file is harmless: the next cleanOrphans removes it
            }
        }
    }

    /**
     * Removes staging areas nobody holds: those a killed process left behind. The caller holds the hub's root
     * lock, so no staging area is between "lock file created" and "locked".
     */
    static void cleanOrphans(Path stagingRoot) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(stagingRoot)) {
            for (Path entry : entries) {
                String fileName = entry.getFileName().toString();
                String id = fileName.endsWith(".lock") ? fileName.substring(0, fileName.length() - 5) : fileName;
                Path lockFile = stagingRoot.resolve(id + ".lock");
                if (fileName.endsWith(".lock") && Files.isDirectory(stagingRoot.resolve(id))) {
                    continue; // handled with its directory
                }
                if (!Files.exists(lockFile)) {
                    deleteTree(stagingRoot.resolve(id));
                    continue;
                }
                try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
                    FileLock l = ch.tryLock();
                    if (l == null) continue; // another process is using it
                    try {
                        deleteTree(stagingRoot.resolve(id));
                    } finally {
                        l.release();
                    }
                } catch (OverlappingFileLockException busyInThisJvm) {
                    continue;
                } catch (java.nio.file.NoSuchFileException closedMeanwhile) {
                    continue;
                }
                Files.deleteIfExists(lockFile);
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }

    /** fsync a directory so a rename or a new entry in it survives a crash; a no-op where unsupported. */
    static void syncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // some platforms cannot open directories; the rename is still atomic, only its durability is weaker
        }
    }
}
