package io.verity.engine.det.ops.math;

import io.verity.engine.det.tensor.VectorModule;
import io.verity.engine.det.graph.Pointwise.Kind;
import io.verity.engine.det.tensor.Parallel;

/**
 * {@link io.verity.engine.det.graph.Pointwise} steps applied in place, block by block, so each block stays in L1
 * for the whole run of steps: every element takes, step by step, the single float32 operation(s) the separate
 * kernels perform on the same operands (Add/Sub/Mul/Div as {@link Elementwise}'s float32 loops, Relu as
 * {@code Math.max(v, 0f)}, the HardSwish as {@link Elementwise#hardSwish}), so the bits are theirs.
 */
public final class Chain {
    private Chain() {}

    /**
     * One step's operands: s the other operand of Add/Sub/Mul/Div (valueLeft: {@code v op s}, else {@code s op v});
     * for HardSwish s is the Add's constant c, lo/hi/viaDouble the Clip's, valueLeft whether the Mul reads
     * {@code x * t} (else {@code t * x}), d the divisor.
     */
    public record Step(Kind kind, float s, boolean valueLeft, float lo, float hi, boolean viaDouble, float d) {
        public static Step binary(Kind kind, float s, boolean valueLeft) {
            return new Step(kind, s, valueLeft, 0, 0, false, 1);
        }
    }

    private static final int BLOCK = Elementwise.CLIP_BLOCK;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][BLOCK]);

    /** Applies steps, in order, to every element of v in place. */
    public static void apply(Parallel par, float[] v, Step[] steps) {
        int blocks = (v.length + BLOCK - 1) / BLOCK;
        par.forEach(blocks, (long) BLOCK * steps.length, bi -> {
            int i0 = bi * BLOCK, len = Math.min(v.length, i0 + BLOCK) - i0;
            for (Step st : steps) step(st, v, i0, len);
        });
    }

    private static void step(Step st, float[] v, int i0, int len) {
        int i1 = i0 + len;
        float s = st.s;
        switch (st.kind) {
            case ADD -> { if (st.valueLeft) addRight(v, i0, i1, s); else addLeft(v, i0, i1, s); }
            case SUB -> { if (st.valueLeft) subRight(v, i0, i1, s); else subLeft(v, i0, i1, s); }
            case MUL -> { if (st.valueLeft) mulRight(v, i0, i1, s); else mulLeft(v, i0, i1, s); }
            case DIV -> { if (st.valueLeft) divRight(v, i0, i1, s); else divLeft(v, i0, i1, s); }
            case RELU -> relu(v, i0, i1);
            case HARD_SWISH -> {
                if (VectorModule.PRESENT) {
                    ClipLanes.hardSwish(v, i0, v, len, s, st.lo, st.hi, st.viaDouble, st.valueLeft, st.d);
                    return;
                }
                float[][] sc = SCRATCH.get();
                float[] t = sc[0], ct = sc[1];
                for (int j = 0; j < len; j++) t[j] = v[i0 + j] + s;
                Elementwise.clipBlock(t, 0, ct, 0, len, st.lo, st.hi, st.viaDouble);
                if (st.valueLeft) swishXT(v, i0, len, ct, st.d);
                else swishTX(v, i0, len, ct, st.d);
            }
        }
    }

    // One small loop per operation and operand order, as in Elementwise, so the JIT vectorises each.
    private static void addRight(float[] v, int a, int b, float s) { for (int i = a; i < b; i++) v[i] = v[i] + s; }
    private static void addLeft(float[] v, int a, int b, float s) { for (int i = a; i < b; i++) v[i] = s + v[i]; }
    private static void subRight(float[] v, int a, int b, float s) { for (int i = a; i < b; i++) v[i] = v[i] - s; }
    private static void subLeft(float[] v, int a, int b, float s) { for (int i = a; i < b; i++) v[i] = s - v[i]; }
    private static void mulRight(float[] v, int a, int b, float s) { for (int i = a; i < b; i++) v[i] = v[i] * s; }
    private static void mulLeft(float[] v, int a, int b, float s) { for (int i = a; i < b; i++) v[i] = s * v[i]; }
    private static void divRight(float[] v, int a, int b, float s) { for (int i = a; i < b; i++) v[i] = v[i] / s; }
    private static void divLeft(float[] v, int a, int b, float s) { for (int i = a; i < b; i++) v[i] = s / v[i]; }
    private static void relu(float[] v, int a, int b) { for (int i = a; i < b; i++) v[i] = Math.max(v[i], 0f); }
    private static void swishXT(float[] v, int i0, int len, float[] ct, float d) { for (int j = 0; j < len; j++) v[i0 + j] = v[i0 + j] * ct[j] / d; }
    private static void swishTX(float[] v, int i0, int len, float[] ct, float d) { for (int j = 0; j < len; j++) v[i0 + j] = ct[j] * v[i0 + j] / d; }
}
