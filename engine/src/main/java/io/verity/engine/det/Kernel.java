package io.verity.engine.det;

/** One operator's computation: its outputs from its inputs (null for omitted optional ones). */
@FunctionalInterface
interface Kernel {
    Arr[] run(Op n, Arr[] in, KernelContext ctx);
}
