package io.verity.engine.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.engine.LoadedModel;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.constraints.IntRange;

/**
 * Property: for any dtype, any shape of rank 0 to 4 (dims 0 to 5) and any element bytes, a tensor sent
 * through ORT's Identity comes back equal, so the conversion to and from ORT loses nothing.
 */
class TensorConversionPropertiesIT {
    private static OnnxRuntimeEngine engine;
    private static Path dir;

    @BeforeContainer
    static void start() throws Exception {
        engine = OnnxRuntimeEngine.create();
        dir = Files.createTempDirectory("verity-props");
    }

    @AfterContainer
    static void stop() throws Exception {
        engine.close();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) Files.delete(f);
        }
        Files.delete(dir);
    }

    private static LoadedModel identity(DType dtype, int rank) {
        long[] dims = new long[rank];
        Arrays.fill(dims, -1);
        byte[] model = TinyOnnx.identity(dtype, dims);
        return engine.load(TinyOnnx.digest(model), TinyOnnx.write(dir, dtype.wireName() + "-" + rank + ".onnx", model));
    }

    @Property(tries = 300)
    void any_tensor_survives_identity(@ForAll DType dtype, @ForAll @IntRange(min = 0, max = 4) int rank,
            @ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] dims = new long[rank];
        for (int i = 0; i < rank; i++) dims[i] = rnd.nextInt(6);
        Tensor x = DTypeRoundTripIT.random("x", dtype, Shape.of(dims), seed);

        List<Tensor> out = identity(dtype, rank).run(List.of(x)).outputs();

        assertThat(out).containsExactly(x.withName("y"));
    }
}
