package io.verity.engine.det;

import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.ops.control.Control;
import io.verity.engine.det.ops.control.Scan;
import io.verity.engine.det.ops.math.Elementwise;
import io.verity.engine.det.ops.math.Fourier;
import io.verity.engine.det.ops.math.Misc;
import io.verity.engine.det.ops.math.QLinear;
import io.verity.engine.det.ops.math.Reduce;
import io.verity.engine.det.ops.nn.Nn;
import io.verity.engine.det.ops.norm.Norm;
import io.verity.engine.det.ops.rnn.Rnn;
import io.verity.engine.det.ops.shape.Indexing;
import io.verity.engine.det.ops.shape.Resize;
import io.verity.engine.det.ops.shape.RoiAlign;
import io.verity.engine.det.ops.shape.Shapes;
import io.verity.engine.det.ops.shape.Unpool;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The operator table of verity-det/1: op type (default ONNX domain) to kernel. */
final class Ops {
    private Ops() {}

    private static final Map<String, Kernel> KERNELS = new HashMap<>();

    static {
        Elementwise.register(KERNELS);
        Shapes.register(KERNELS);
        Nn.register(KERNELS);
        Norm.register(KERNELS);
        Reduce.register(KERNELS);
        Resize.register(KERNELS);
        Rnn.register(KERNELS);
        Control.register(KERNELS);
        Misc.register(KERNELS);
        Indexing.register(KERNELS);
        QLinear.register(KERNELS);
        Unpool.register(KERNELS);
        Scan.register(KERNELS);
        Fourier.register(KERNELS);
        RoiAlign.register(KERNELS); // composes MatMulInteger and ConvInteger, registered above
    }

    static Kernel kernel(String op) {
        return KERNELS.get(op);
    }

    static Set<String> supported() {
        return new TreeSet<>(KERNELS.keySet());
    }
}
