package io.verity.engine.det.ops.shape;

import io.verity.engine.det.graph.K;
import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.graph.OpException;
import io.verity.engine.det.tensor.Arr;
import java.util.Map;

/** MaxUnpool: data movement only (each value copied to the flat output index MaxPool's Indices gave it). */
public final class Unpool {
    private Unpool() {}

    public static void register(Map<String, Kernel> m) {
        m.put("MaxUnpool", Unpool::maxUnpool);
    }

    /** Zeros of the output shape, then y[I[i]] = x[i] in ascending i (a repeated index keeps the last value). */
    private static Arr[] maxUnpool(Op n, Arr[] in, io.verity.engine.det.graph.KernelContext c) {
        Arr x = in[0], idx = in[1], outShape = K.opt(in, 2);
        if (idx.size() != x.size()) throw new OpException(n, "I must have X's " + x.size() + " elements, got " + idx.size());
        // Indices are flat positions in the shape MaxPool's input had (the default shape); a larger output_shape
        // keeps each value at the same coordinates (as ONNX Runtime and the backend tests do).
        int[] pooled = defaultShape(n, x.shape);
        int[] shape = outShape != null ? K.ints(outShape.longValues()) : pooled;
        if (shape.length != x.rank()) throw new OpException(n, "output_shape must have rank " + x.rank() + ", got " + shape.length);
        Arr y = Arr.zeros(x.dtype, shape);
        int total = Arr.size(pooled);
        int[] st = Arr.strides(shape);
        long[] at = idx.longValues();
        for (int i = 0; i < at.length; i++) {
            if (at[i] < 0 || at[i] >= total) throw new OpException(n, "index " + at[i] + " is outside the pooled input's " + total + " elements");
            int j = 0;
            for (int a = shape.length - 1, rest = (int) at[i]; a >= 0; a--) {
                int coord = rest % pooled[a];
                rest /= pooled[a];
                if (coord >= shape[a]) throw new OpException(n, "index " + at[i] + " falls outside output_shape " + java.util.Arrays.toString(shape));
                j += coord * st[a];
            }
            if (y.f != null) y.f[j] = x.f[i];
            else if (y.d != null) y.d[j] = x.d[i];
            else y.l[j] = x.l[i];
        }
        return new Arr[] {y};
    }

    /** (in - 1) * stride + kernel - pad_begin - pad_end per spatial axis. */
    private static int[] defaultShape(Op n, int[] in) {
        long[] k = n.ints("kernel_shape");
        int sp = in.length - 2;
        if (k == null || k.length != sp) throw new OpException(n, "kernel_shape must have " + sp + " values");
        long[] s = n.ints("strides"), p = n.ints("pads");
        int[] out = in.clone();
        for (int d = 0; d < sp; d++) {
            long v = (in[d + 2] - 1L) * (s == null ? 1 : s[d]) + k[d] - (p == null ? 0 : p[d] + p[d + sp]);
            if (v < 0 || v > Integer.MAX_VALUE) throw new OpException(n, "output size " + v + " on spatial axis " + d);
            out[d + 2] = (int) v;
        }
        return out;
    }
}
