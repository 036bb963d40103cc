package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.verity.engine.EngineException;
import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.NoSuchElementException;

/**
 * Coverage-guided fuzzing (Jazzer) of the deterministic engine's model loading (protobuf parse, operator and
 * type checks, {@link Graph#compile}, initializer decoding) with arbitrary bytes as a model file: it refuses them
 * with an {@link EngineException} of kind INVALID_MODEL, or it yields a compiled model with the file's digest.
 * Nothing else may escape: no runtime exception, no OutOfMemoryError from a declared tensor size (the fuzz JVM
 * has a 1 GB heap), no StackOverflowError from nesting; and no refusal may be a compiler bug in disguise.
 * Seeds and past findings: {@code src/test/resources/io/verity/engine/det/DeterministicEngineLoadFuzzTestInputs/};
 * docs/security.md, "Fuzzing".
 */
class DeterministicEngineLoadFuzzTest {
    private static final DeterministicEngine ENGINE = DeterministicEngine.create(1, false);
    private static final Path FILE;

    static {
        try {
            FILE = Files.createTempFile("verity-fuzz", ".onnx");
            FILE.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "6s")
    void models_are_refused_as_invalid_or_compile(byte[] file) throws IOException {
        Files.write(FILE, file);
        Keccak256 digest = Keccak256.hash(file);
        try {
            DeterministicModel model = ENGINE.load(digest, FILE);
            assertThat(model.digest()).isEqualTo(digest);
            assertThat(model.schema()).isNotNull();
        } catch (EngineException e) {
            assertThat(e.kind()).isEqualTo(EngineException.Kind.INVALID_MODEL);
            // load() turns any RuntimeException of the graph compiler into INVALID_MODEL, which would hide a
            // compiler that indexes past a list or dereferences a missing attribute: those are bugs.
            if (e.getCause() != null) {
                assertThat(e.getCause()).as(e.getMessage()).isNotInstanceOfAny(NullPointerException.class,
                        IndexOutOfBoundsException.class, NegativeArraySizeException.class, ClassCastException.class,
                        NoSuchElementException.class);
            }
        } finally {
            ENGINE.unload(digest);
        }
    }
}
