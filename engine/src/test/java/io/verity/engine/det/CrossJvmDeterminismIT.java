package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import io.verity.protocol.Keccak256;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real models give the same output bytes and trace roots in child JVMs that execute the same code very
 * differently: the C2 JIT with auto-vectorisation, C2 without it (-XX:-UseSuperWord), C1 only, the bytecode
 * interpreter (-Xint, on the smaller models), every other JDK >= 21 under /usr/lib/jvm, and older JDKs (17..20,
 * e.g. Debian's OpenJDK 17 beside Temurin 25) running the engine's sources compiled for their release. Each child
 * is held to the recorded bits (src/test/resources/golden/det).
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class CrossJvmDeterminismIT {
    static final String[] ALL = {"PaddleOCR det v4", "PaddleOCR rec v4", "PaddleOCR cls v2", "Silero VAD legacy", "Silero VAD v5"};
    static final String[] SMALL = {"PaddleOCR cls v2", "Silero VAD legacy", "Silero VAD v5"};

    /**
     * The bits every child must reproduce: the recorded ones, which this JVM reproduces at one thread
     * ({@link GoldenOutputDigestsTest}) and at two ({@link GoldenDigestsIT}); read, not recomputed here (the five
     * in-process runs of every model this class did before cost a sixth of its time).
     */
    static final String RECORDED = resource("/golden/det/real-model-digests.txt");
    static final String RECORDED_V3 = resource("/golden/det/real-model-digests-v3.txt");

    /** The model files' digests, hashed once here and handed to every child. */
    static final Map<String, Keccak256> MODEL_DIGESTS = modelDigests();

    static Map<String, Keccak256> modelDigests() {
        Map<String, Keccak256> out = new HashMap<>();
        try {
            for (RealModels.Case c : RealModels.all(1)) out.put(c.name(), c.digest());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return Map.copyOf(out);
    }

    static String resource(String name) {
        try {
            return GoldenOutputDigestsTest.resource(name);
        } catch (Exception e) {
            throw new IllegalStateException(name, e);
        }
    }

    @Test
    void child_jvms_in_different_execution_modes_reproduce_the_same_digests() throws Exception {
        String here = RECORDED;
        assertThat(here.lines()).hasSize(ALL.length);
        List<Check> checks = new ArrayList<>();
        for (String java : javas()) {
            checks.add(new Check(java + " -XX:-UseSuperWord", () -> child(java, List.of("-XX:-UseSuperWord"), 1, ALL), here));
            checks.add(new Check(java + " C1 only", () -> child(java, List.of("-XX:TieredStopAtLevel=1"), 3, ALL), here));
            checks.add(new Check(java + " -Xint", () -> child(java, List.of("-Xint"), 1, SMALL), only(here, SMALL)));
        }
        check(checks);
    }

    /**
     * verity-det/3's Vector API kernels: the same bits at every SIMD width the JVM can be told to use (SSE only,
     * AVX, AVX2, AVX-512), without hardware FMA (Math.fma's exact software path, BigDecimal, so on the VADs only; SSE
     * has no FMA either), with C1 only, in the interpreter (VAD, on the scalar loops: interpreting vector code is
     * slow) and without the incubator module (the scalar loops).
     */
    @Test
    void verity_det_3_gives_the_same_digests_at_every_vector_width_and_without_fma_or_vectors() throws Exception {
        String id = "-Dverity.det.id=" + DeterministicEngine.ID_V3, vectors = "--add-modules=jdk.incubator.vector";
        String[] vads = {"Silero VAD legacy", "Silero VAD v5"};
        String here = RECORDED_V3;
        assertThat(here.lines()).hasSize(ALL.length);
        assertThat(here).isNotEqualTo(RECORDED); // another contract: other bits
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Check> checks = new ArrayList<>();
        // the longest first (C1 runs the Vector API's Java fallback), so that the pairs end together
        checks.add(new Check("C1 only", () -> child(java, List.of(vectors, id, "-XX:TieredStopAtLevel=1"), 2, ALL), here));
        checks.add(new Check("-XX:UseAVX=0", () -> child(java, List.of(vectors, id, "-XX:UseAVX=0"), 2, vads), only(here, vads)));
        for (int avx = 1; avx <= 3; avx++) {
            String flag = "-XX:UseAVX=" + avx;
            checks.add(new Check(flag, () -> child(java, List.of(vectors, id, flag), 2, SMALL), only(here, SMALL)));
        }
        checks.add(new Check("-XX:-UseFMA", () -> child(java, List.of(vectors, id, "-XX:-UseFMA"), 2, vads), only(here, vads)));
        checks.add(new Check("without the Vector API module", () -> child(java, List.of(id), 2, ALL), here));
        String[] v5 = {"Silero VAD v5"};
        checks.add(new Check("-Xint (scalar loops)", () -> child(java, List.of(id, "-Xint"), 1, v5), only(here, v5)));
        check(checks);
    }

    /** A child JVM to run and the digests it must print. */
    record Check(String what, Callable<String> child, String want) {}

    /**
     * Runs the children two at a time, then checks each in order. A child is mostly one or two busy threads, and
     * beside this module `./verity test` runs the chain and llm ITs, which mostly wait on anvil, Hardhat and worker
     * processes: a second child uses a core that would otherwise idle.
     */
    static void check(List<Check> checks) throws Exception {
        List<Future<String>> outs = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (Check c : checks) outs.add(pool.submit(c.child()));
            for (int i = 0; i < checks.size(); i++) {
                String out;
                try {
                    out = outs.get(i).get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Error err) throw err;
                    throw e;
                }
                assertThat(out).as(checks.get(i).what()).isEqualTo(checks.get(i).want());
            }
        }
    }

    /** The lines of digests for the named models. */
    static String only(String digests, String[] names) {
        return digests.lines().filter(l -> List.of(names).contains(l.substring(0, l.indexOf('|')))).map(l -> l + "\n")
                .collect(Collectors.joining());
    }

    /**
     * The deterministic engine's sources (only what {@link DigestMain} reaches, found through -sourcepath) are
     * compiled with {@code --release 17} and run on each older JDK: another vendor's build, another major version,
     * another C2. The engine keeps to Java 17 language and APIs so that this check exists.
     */
    @Test
    void an_older_jdk_running_the_engine_compiled_for_its_release_reproduces_the_same_digests(@TempDir Path tmp) throws Exception {
        List<Path> older = jdks(17, 20);
        assumeTrue(!older.isEmpty(), "no JDK 17..20 under /usr/lib/jvm");
        Path root = io.verity.testing.TestPaths.repoRoot();
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        String deps = thirdPartyClassPath();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter log = new StringWriter();
        String sourcePath = String.join(File.pathSeparator, root.resolve("engine/src/main/java").toString(),
                root.resolve("protocol/src/main/java").toString(), root.resolve("testing/src/main/java").toString(),
                root.resolve("engine/src/test/java").toString());
        boolean ok = javac.getTask(log, null, null,
                List.of("--release", "17", "--add-modules", "jdk.incubator.vector", "-nowarn", "-implicit:class", "-d", classes.toString(), "-cp", deps, "-sourcepath", sourcePath),
                null, javac.getStandardFileManager(null, null, null).getJavaFileObjects(root.resolve("engine/src/test/java/io/verity/engine/det/DigestMain.java"))).call();
        assertThat(ok).as("the deterministic engine must compile with --release 17:%n%s", log).isTrue();

        String here = RECORDED, here3 = RECORDED_V3;
        List<Check> checks = new ArrayList<>();
        String cp = classes + File.pathSeparator + deps;
        for (Path jdk : older) {
            String java = jdk.resolve("bin/java").toString(), what = java + " (release " + release(jdk) + ")";
            checks.add(new Check(what, () -> child(java, List.of(), 2, ALL, cp), here));
            checks.add(new Check(what + " verity-det/3", () -> child(java, List.of("--add-modules=jdk.incubator.vector",
                    "-Dverity.det.id=" + DeterministicEngine.ID_V3), 2, ALL, cp), here3));
        }
        check(checks);
    }

    /** The class path minus this project's own classes, which the older JDK gets compiled for its release. */
    static String thirdPartyClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains("/target/") && !Path.of(e).getFileName().toString().startsWith("verity-"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    static List<Path> jdks(int minRelease, int maxRelease) throws Exception {
        List<Path> out = new ArrayList<>();
        try (var s = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path p : s.sorted().toList()) {
                int r = release(p);
                if (Files.isExecutable(p.resolve("bin/java")) && r >= minRelease && r <= maxRelease
                        && out.stream().noneMatch(q -> sameDir(q, p))) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    static boolean sameDir(Path a, Path b) {
        try {
            return a.toRealPath().equals(b.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    static List<String> javas() throws Exception {
        List<String> out = new ArrayList<>();
        out.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        try (var s = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path p : s.sorted().toList()) {
                Path j = p.resolve("bin/java");
                if (Files.isExecutable(j) && !out.contains(j.toString()) && !p.toRealPath().equals(Path.of(System.getProperty("java.home")).toRealPath())
                        && release(p) >= 21) {
                    out.add(j.toString());
                }
            }
        }
        return out;
    }

    static int release(Path jdk) {
        try {
            for (String l : Files.readAllLines(jdk.resolve("release"))) {
                if (l.startsWith("JAVA_VERSION=")) {
                    String v = l.substring(14).replace("\"", "");
                    return Integer.parseInt(v.split("[.]")[0].startsWith("1") && v.startsWith("1.") ? v.split("[.]")[1] : v.split("[.]")[0]);
                }
            }
        } catch (Exception e) {
            return 0;
        }
        return 0;
    }

    static String child(String java, List<String> flags, int threads, String[] names) throws Exception {
        return child(java, flags, threads, names, System.getProperty("java.class.path"));
    }

    static String child(String java, List<String> flags, int threads, String[] names, String classPath) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(flags);
        cmd.add("-Dverity.root=" + io.verity.testing.TestPaths.repoRoot());
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(DigestMain.class.getName());
        cmd.add(String.valueOf(threads));
        for (String name : names) cmd.add(name + "=" + MODEL_DIGESTS.get(name));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("child JVM " + cmd + " did not finish");
        }
        assertThat(p.exitValue()).as("exit code of %s", cmd).isZero();
        return out;
    }
}
