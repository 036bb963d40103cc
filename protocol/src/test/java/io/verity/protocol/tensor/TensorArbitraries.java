package io.verity.protocol.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Small random tensors (rank <= 3, dims <= 3) for property tests; the caller picks names, dtypes and contents. */
public final class TensorArbitraries {
    /** Fills a numeric tensor's little-endian element bytes. */
    public interface Bytes {
        void fill(DType dtype, Random random, byte[] littleEndian);
    }

    private TensorArbitraries() {}

    /**
     * @param strings the pool a string tensor's elements are drawn from
     * @param bytes   fills the element bytes of every other dtype
     */
    public static Arbitrary<Tensor> tensors(Arbitrary<String> names, Arbitrary<DType> dtypes, List<String> strings, Bytes bytes) {
        Arbitrary<long[]> dims = Arbitraries.longs().between(0, 3).array(long[].class).ofMaxSize(3);
        return Combinators.combine(names, dtypes, dims, Arbitraries.longs()).as((name, dtype, d, seed) -> {
            Shape shape = Shape.of(d);
            Random r = new Random(seed);
            int n = (int) shape.elementCount();
            if (dtype == DType.STRING) {
                List<String> values = new ArrayList<>();
                for (int i = 0; i < n; i++) values.add(strings.get(r.nextInt(strings.size())));
                return Tensor.ofStrings(name, shape, values);
            }
            byte[] le = new byte[n * dtype.byteSize()];
            bytes.fill(dtype, r, le);
            return Tensor.ofRaw(name, dtype, shape, le);
        });
    }
}
