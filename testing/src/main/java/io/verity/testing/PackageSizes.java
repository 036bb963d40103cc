package io.verity.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Lines of Java per package under a source root, for the size rule of issue 14 (no package over 1,500 lines). */
public final class PackageSizes {
    private PackageSizes() {}

    /** Issue 14's limit on the main code of one package. */
    public static final long MAX_LINES = 1500;

    /** @return each directory below {@code root} holding .java files (relative, "" for root itself) to its line count */
    public static Map<String, Long> linesPerPackage(Path root) {
        Map<String, Long> lines = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(f -> f.toString().endsWith(".java"))
                    .forEach(f -> lines.merge(root.relativize(f.getParent()).toString(), count(f), Long::sum));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    private static long count(Path f) {
        try (Stream<String> l = Files.lines(f)) {
            return l.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
