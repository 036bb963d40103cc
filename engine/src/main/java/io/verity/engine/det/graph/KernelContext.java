package io.verity.engine.det.graph;

import io.verity.engine.det.tensor.Arr;
import io.verity.engine.det.tensor.Parallel;
import java.util.List;

/**
 * What a kernel can reach of the interpreter running it: the pool and, for control flow, a way to run a body
 * graph. An interface so that the kernels never depend on the interpreter (which depends on all of them).
 */
public interface KernelContext {
    Parallel par();

    /** The contract the node's products follow. */
    Arithmetic arithmetic();

    /**
     * Ends the run when it was stopped ({@link io.verity.engine.RunStop}): a kernel whose work on one node can be
     * long (DFT, STFT) calls it now and then, so a stop does not wait for the node to end.
     */
    void checkStopped();

    /** Runs body in a scope nested in the node's, with names bound to values (null ones left unbound). */
    Arr[] runBody(Graph body, List<String> names, Arr[] values);
}
