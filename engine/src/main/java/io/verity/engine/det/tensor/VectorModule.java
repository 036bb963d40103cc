package io.verity.engine.det.tensor;

/**
 * Whether this JVM has {@code jdk.incubator.vector} (started with {@code --add-modules jdk.incubator.vector}): then
 * the verity-det/3 kernels that have lanes run them, else their scalar loops run, with the same bits. A plain flag
 * apart from those kernels, so reading it never loads a Vector API class, which fails on a JVM without the module.
 */
public final class VectorModule {
    public static final boolean PRESENT = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private VectorModule() {}
}
