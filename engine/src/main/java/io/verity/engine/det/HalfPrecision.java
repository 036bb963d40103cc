package io.verity.engine.det;

import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.graph.KernelContext;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.tensor.Arr;
import io.verity.engine.det.tensor.Half;
import io.verity.protocol.tensor.DType;
import java.util.Set;

/**
 * float16 for every kernel, with no kernel written for it: a node with a float16 input runs on the inputs
 * widened to float32 (exact), and its float32 outputs are rounded to float16 (nearest, ties to even). Each
 * node's result is therefore defined as "the float32 kernel's bits, rounded once", the same on every CPU; for
 * +, -, *, / and sqrt that is also the correctly rounded float16 result. Data movement round-trips exactly.
 */
final class HalfPrecision {
    private HalfPrecision() {}

    /**
     * Take float16 as it is: casts convert it themselves; Identity and the control-flow operators pass values on
     * (their bodies' nodes are rounded one by one, so a Loop's carried values are float16 after every iteration).
     */
    private static final Set<String> NATIVE = Set.of("Cast", "CastLike", "Identity", "If", "Loop", "Scan");

    static Arr[] run(Kernel k, Op n, Arr[] in, KernelContext c) {
        if (NATIVE.contains(n.op) || !anyHalf(in)) return k.run(n, in, c);
        Arr[] wide = in.clone();
        for (int i = 0; i < wide.length; i++) if (wide[i] != null && wide[i].dtype == DType.FLOAT16) wide[i] = Half.widen(wide[i]);
        Arr[] out = k.run(n, wide, c);
        // An operator that names its output type (EyeLike's dtype, the Random*Like family) gets the type it asked for.
        if (n.has("dtype") || n.has("to")) return out;
        // LayerNormalization's Mean and InvStdDev are of its stash type (float32), not of X's
        int typed = n.op.equals("LayerNormalization") ? Math.min(1, out.length) : out.length;
        for (int i = 0; i < typed; i++) if (out[i] != null && out[i].dtype == DType.FLOAT32) out[i] = Half.narrow(out[i]);
        return out;
    }

    private static boolean anyHalf(Arr[] in) {
        for (Arr a : in) if (a != null && a.dtype == DType.FLOAT16) return true;
        return false;
    }
}
