package io.verity.engine.det.graph;

import io.verity.engine.det.tensor.Arr;

/** One operator's computation: its outputs from its inputs (null for omitted optional ones). */
@FunctionalInterface
public interface Kernel {
    Arr[] run(Op n, Arr[] in, KernelContext ctx);
}
