package io.verity.engine.det.ops.math;

import io.verity.engine.det.tensor.VectorModule;
import io.verity.engine.det.graph.K;
import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.graph.KernelContext;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.graph.OpException;
import io.verity.engine.det.ops.shape.Shapes;
import io.verity.engine.det.tensor.Arr;
import io.verity.engine.det.tensor.Parallel;
import io.verity.engine.det.tensor.Special;
import io.verity.protocol.tensor.DType;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongUnaryOperator;

/**
 * Elementwise operators. float32 +, -, *, / are single IEEE float operations; every other float function
 * is evaluated in float64 with StrictMath and rounded once to float32. Integer arithmetic wraps to the
 * dtype's width.
 */
public final class Elementwise {
    private Elementwise() {}

    interface DD {
        double ap(double a, double b);
    }

    interface LL {
        long ap(long a, long b);
    }

    interface Cmp {
        boolean test(double a, double b);
    }

    interface LCmp {
        boolean test(long a, long b);
    }

    public static void register(Map<String, Kernel> m) {
        unaryF(m, "Exp", StrictMath::exp);
        unaryF(m, "Log", StrictMath::log);
        unaryF(m, "Sqrt", StrictMath::sqrt);
        unaryF(m, "Tanh", StrictMath::tanh, Special::tanh3);
        unaryF(m, "Sin", StrictMath::sin);
        unaryF(m, "Cos", StrictMath::cos);
        unaryF(m, "Tan", StrictMath::tan);
        unaryF(m, "Asin", StrictMath::asin);
        unaryF(m, "Acos", StrictMath::acos);
        unaryF(m, "Atan", StrictMath::atan);
        unaryF(m, "Sinh", StrictMath::sinh);
        unaryF(m, "Cosh", StrictMath::cosh);
        unaryF(m, "Asinh", x -> Double.isInfinite(x) ? x : StrictMath.log(x + StrictMath.sqrt(x * x + 1)));
        unaryF(m, "Acosh", x -> StrictMath.log(x + StrictMath.sqrt(x * x - 1)));
        unaryF(m, "Atanh", x -> 0.5 * StrictMath.log((1 + x) / (1 - x)));
        m.put("Erf", (n, in, c) -> { // on float32, the shortcut that rounds to the same float32 as erf
            if (!in[0].isFloat()) throw new OpException(n, "input 0 must be float32 or float64, got " + in[0].dtype.wireName());
            boolean det3 = c.arithmetic() == io.verity.engine.det.graph.Arithmetic.DET3;
            if (det3 && in[0].f != null) { // a loop of its own: the polynomial inlines (a third of the time was the call)
                float[] x = in[0].f, o = new float[x.length];
                c.par().forEach((x.length + 4095) / 4096, 4096L * 20, bi -> {
                    int from = bi * 4096, end = Math.min(x.length, from + 4096);
                    if (VectorModule.PRESENT) ErfLanes.erf(x, o, from, end);
                    else for (int i = from; i < end; i++) o[i] = (float) Special.erf3(x[i]);
                });
                return new Arr[] {Arr.floats(in[0].shape, o)};
            }
            return unaryApply(c.par(), in[0], in[0].f == null ? Special::erf : det3 ? Special::erf3 : Special::erfForFloat, null);
        });
        unaryF(m, "Sigmoid", Special::sigmoid, Special::sigmoid3);
        unaryF(m, "Reciprocal", x -> 1.0 / x);
        unaryF(m, "Softplus", x -> x > 30 ? x : StrictMath.log1p(StrictMath.exp(x)));
        unaryF(m, "Softsign", x -> x / (1 + Math.abs(x)));
        unaryF(m, "Floor", Math::floor);
        unaryF(m, "Ceil", Math::ceil);
        unaryF(m, "Round", Math::rint);
        unaryF(m, "Mish", x -> x * StrictMath.tanh(x > 30 ? x : StrictMath.log1p(StrictMath.exp(x))));
        m.put("IsNaN", (n, in, c) -> pred(in[0], Double::isNaN));
        m.put("IsInf", (n, in, c) -> {
            boolean pos = n.i("detect_positive", 1) != 0, neg = n.i("detect_negative", 1) != 0;
            return pred(in[0], x -> (pos && x == Double.POSITIVE_INFINITY) || (neg && x == Double.NEGATIVE_INFINITY));
        });
        unary(m, "Abs", Math::abs, Math::abs);
        unary(m, "Neg", x -> -x, x -> -x);
        unary(m, "Sign", Math::signum, Long::signum);
        m.put("Relu", (n, in, c) -> {
            Arr x = in[0];
            if (x.f == null) return unaryApply(x, v -> Math.max(v, 0.0), v -> Math.max(v, 0));
            float[] o = new float[x.f.length]; // hot in CNNs: a loop of its own so the JIT can inline it
            for (int i = 0; i < o.length; i++) o[i] = Math.max(x.f[i], 0f);
            return new Arr[] {Arr.floats(x.shape, o)};
        });
        m.put("Not", (n, in, c) -> unaryApply(c.par(), in[0], null, x -> x == 0 ? 1 : 0));
        m.put("Identity", (n, in, c) -> new Arr[] {in[0]});
        m.put("LeakyRelu", (n, in, c) -> {
            double a = n.f("alpha", 0.01f);
            return unaryApply(c.par(), in[0], x -> x < 0 ? a * x : x, null);
        });
        m.put("Elu", (n, in, c) -> {
            double a = n.f("alpha", 1f);
            return unaryApply(c.par(), in[0], x -> x < 0 ? a * (StrictMath.exp(x) - 1) : x, null);
        });
        m.put("Celu", (n, in, c) -> {
            double a = n.f("alpha", 1f);
            return unaryApply(c.par(), in[0], x -> Math.max(0, x) + Math.min(0, a * (StrictMath.exp(x / a) - 1)), null);
        });
        m.put("Selu", (n, in, c) -> {
            double a = n.f("alpha", 1.67326319217681884765625f), g = n.f("gamma", 1.05070102214813232421875f);
            return unaryApply(c.par(), in[0], x -> x <= 0 ? g * (a * StrictMath.exp(x) - a) : g * x, null);
        });
        m.put("ThresholdedRelu", (n, in, c) -> {
            double a = n.f("alpha", 1f);
            return unaryApply(c.par(), in[0], x -> x > a ? x : 0, null);
        });
        m.put("HardSigmoid", (n, in, c) -> {
            double a = n.f("alpha", 0.2f), b = n.f("beta", 0.5f);
            Arr x = in[0];
            if (x.f == null) return unaryApply(x, v -> Math.max(0, Math.min(1, a * v + b)), null);
            float[] o = new float[x.f.length];
            for (int i = 0; i < o.length; i++) o[i] = (float) Math.max(0, Math.min(1, a * x.f[i] + b));
            return new Arr[] {Arr.floats(x.shape, o)};
        });
        m.put("HardSwish", (n, in, c) -> unaryApply(c.par(), in[0], x -> x * Math.max(0, Math.min(1, x / 6 + 0.5)), null));
        m.put("Gelu", (n, in, c) -> {
            boolean tanh = n.s("approximate", "none").equals("tanh");
            return unaryApply(c.par(), in[0], tanh
                    ? x -> 0.5 * x * (1 + StrictMath.tanh(StrictMath.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)))
                    : x -> 0.5 * x * (1 + Special.erf(x / StrictMath.sqrt(2))), null);
        });
        m.put("Clip", Elementwise::clip);

        binary(m, "Add", (a, b) -> a + b, (a, b) -> a + b);
        binary(m, "Sub", (a, b) -> a - b, (a, b) -> a - b);
        binary(m, "Mul", (a, b) -> a * b, (a, b) -> a * b);
        binary(m, "Div", (a, b) -> a / b, (a, b) -> {
            if (b == 0) throw new ArithmeticException("integer division by zero");
            return a / b;
        });
        m.put("Pow", (n, in, c) -> {
            Arr e = in[1].dtype == in[0].dtype ? in[1] : K.cast(in[1], in[0].isFloat() ? in[0].dtype : DType.INT64);
            if (in[0].f != null && e.f != null && e.f.length == 1 && e.f[0] == 2f && e.rank() <= in[0].rank()) {
                return new Arr[] {Arr.floats(in[0].shape, square(c.par(), in[0].f))};
            }
            if (in[0].isFloat()) return new Arr[] {binaryApply(n, in[0], e, StrictMath::pow, null, c)};
            return new Arr[] {binaryApply(n, in[0], e, null, (a, b) -> (long) StrictMath.pow(a, b), c)};
        });
        m.put("Mod", (n, in, c) -> {
            boolean fmod = n.i("fmod", 0) != 0;
            return new Arr[] {binaryApply(n, in[0], in[1],
                    fmod ? (a, b) -> a % b : (a, b) -> { double r = a % b; return r != 0 && (r < 0) != (b < 0) ? r + b : r; },
                    fmod ? (a, b) -> a % b : Math::floorMod, c)};
        });
        m.put("PRelu", (n, in, c) -> {
            Arr slope = in[1];
            if (n.opset < 7 && slope.rank() == 1 && in[0].rank() > 2 && slope.size() == in[0].shape[1]) {
                int[] s = new int[in[0].rank() - 1]; // before opset 7 a 1-D slope is per channel
                java.util.Arrays.fill(s, 1);
                s[0] = slope.size();
                slope = slope.reshape(s);
            }
            return new Arr[] {binaryApply(n, in[0], slope, (x, s) -> x < 0 ? s * x : x, (x, s) -> x < 0 ? s * x : x, c)};
        });
        m.put("BitShift", (n, in, c) -> {
            boolean right = n.s("direction", "").equals("RIGHT");
            return new Arr[] {binaryApply(n, in[0], in[1], null, right ? (a, b) -> b >= 64 ? 0 : a >>> b : (a, b) -> b >= 64 ? 0 : a << b, c)};
        });
        binaryInt(m, "BitwiseAnd", (a, b) -> a & b);
        binaryInt(m, "BitwiseOr", (a, b) -> a | b);
        binaryInt(m, "BitwiseXor", (a, b) -> a ^ b);
        m.put("BitwiseNot", (n, in, c) -> unaryApply(c.par(), in[0], null, x -> ~x));
        binaryInt(m, "And", (a, b) -> a & b);
        binaryInt(m, "Or", (a, b) -> a | b);
        binaryInt(m, "Xor", (a, b) -> a ^ b);
        compare(m, "Equal", (a, b) -> a == b, (a, b) -> a == b);
        compare(m, "Less", (a, b) -> a < b, (a, b) -> a < b);
        compare(m, "LessOrEqual", (a, b) -> a <= b, (a, b) -> a <= b);
        compare(m, "Greater", (a, b) -> a > b, (a, b) -> a > b);
        compare(m, "GreaterOrEqual", (a, b) -> a >= b, (a, b) -> a >= b);
        variadic(m, "Sum", (a, b) -> a + b, (a, b) -> a + b);
        variadic(m, "Max", (a, b) -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b), Math::max);
        variadic(m, "Min", (a, b) -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.min(a, b), Math::min);
        m.put("Mean", (n, in, c) -> {
            Arr s = m.get("Sum").run(n, in, c)[0];
            int cnt = in.length;
            return unaryApply(c.par(), s, x -> x / cnt, null);
        });
        m.put("Where", (n, in, c) -> {
            int[] out = K.broadcast(n, K.broadcast(n, in[0].shape, in[1].shape), in[2].shape);
            int[] ci = K.bindex(out, in[0].shape), xi = K.bindex(out, in[1].shape), yi = K.bindex(out, in[2].shape);
            int[] src = new int[ci.length];
            // Gather from the concatenation [X; Y]: Y's indices are offset by X's size.
            Arr xy = Shapes.concatFlat(in[1], in[2]);
            for (int i = 0; i < src.length; i++) src[i] = in[0].l[ci[i]] != 0 ? xi[i] : in[1].size() + yi[i];
            return new Arr[] {xy.gather(out, src)};
        });
    }

    /**
     * float32 Pow by a one-element 2 (STFT magnitudes): StrictMath.pow(x, 2) is x * x in float64 (fdlibm's y == 2 case,
     * after its NaN case), exact for a float32 x, so rounding it to float32 gives the float32 product x * x. A NaN
     * takes pow itself.
     */
    static float[] square(Parallel par, float[] x) {
        float[] o = new float[x.length];
        int block = 4096;
        par.forEach((x.length + block - 1) / block, block, bi -> {
            int lo = bi * block, hi = Math.min(x.length, lo + block);
            for (int i = lo; i < hi; i++) o[i] = x[i] * x[i];
            for (int i = lo; i < hi; i++) if (Float.isNaN(x[i])) o[i] = (float) StrictMath.pow(x[i], 2.0);
        });
        return o;
    }

    private static Arr[] pred(Arr x, java.util.function.DoublePredicate p) {
        long[] o = new long[x.size()];
        for (int i = 0; i < o.length; i++) o[i] = p.test(x.getD(i)) ? 1 : 0;
        return new Arr[] {Arr.longs(DType.BOOL, x.shape, o)};
    }

    private static void unaryF(Map<String, Kernel> m, String name, DoubleUnaryOperator op) {
        m.put(name, (n, in, c) -> {
            if (!in[0].isFloat()) throw new OpException(n, "input 0 must be float32 or float64, got " + in[0].dtype.wireName());
            return unaryApply(c.par(), in[0], op, null);
        });
    }

    /** A float operator whose verity-det/3 form is {@code det3} (a fixed-polynomial transcendental). */
    private static void unaryF(Map<String, Kernel> m, String name, DoubleUnaryOperator op, DoubleUnaryOperator det3) {
        m.put(name, (n, in, c) -> {
            if (!in[0].isFloat()) throw new OpException(n, "input 0 must be float32 or float64, got " + in[0].dtype.wireName());
            return unaryApply(c.par(), in[0], c.arithmetic() == io.verity.engine.det.graph.Arithmetic.DET3 ? det3 : op, null);
        });
    }

    private static void unary(Map<String, Kernel> m, String name, DoubleUnaryOperator f, LongUnaryOperator l) {
        m.put(name, (n, in, c) -> unaryApply(c.par(), in[0], f, l));
    }

    /** Applies f in float64 (rounded once to float32 for float32 inputs) or l to integers. */
    static Arr[] unaryApply(Arr x, DoubleUnaryOperator f, LongUnaryOperator l) {
        return unaryApply(null, x, f, l);
    }

    /** As above, split into independent blocks of elements on {@code par} when it is not null. */
    static Arr[] unaryApply(Parallel par, Arr x, DoubleUnaryOperator f, LongUnaryOperator l) {
        int n = x.size();
        if (x.f == null && x.d == null && l == null) {
            throw new IllegalArgumentException("operator needs a float input, got " + x.dtype.wireName());
        }
        float[] of = x.f != null ? new float[n] : null;
        double[] od = x.d != null ? new double[n] : null;
        long[] ol = of == null && od == null ? new long[n] : null;
        int block = 4096, blocks = (n + block - 1) / block;
        java.util.function.IntConsumer body = bi -> {
            int lo = bi * block, hi = Math.min(n, lo + block);
            if (of != null) for (int i = lo; i < hi; i++) of[i] = (float) f.applyAsDouble(x.f[i]);
            else if (od != null) for (int i = lo; i < hi; i++) od[i] = f.applyAsDouble(x.d[i]);
            else for (int i = lo; i < hi; i++) ol[i] = Arr.wrap(x.dtype, l.applyAsLong(x.l[i]));
        };
        if (par == null) for (int bi = 0; bi < blocks; bi++) body.accept(bi);
        else par.forEach(blocks, block * 8L, body);
        if (of != null) return new Arr[] {Arr.floats(x.shape, of)};
        if (od != null) return new Arr[] {Arr.doubles(x.shape, od)};
        return new Arr[] {Arr.longs(x.dtype, x.shape, ol)};
    }

    private static Arr[] clip(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0];
        if (n.opset < 11) {
            double lo = n.f("min", -Float.MAX_VALUE), hi = n.f("max", Float.MAX_VALUE);
            if (x.f != null) return new Arr[] {Arr.floats(x.shape, clip(c.par(), x.f, (float) lo, (float) hi, true))};
            return unaryApply(c.par(), x, v -> v < lo ? lo : v > hi ? hi : v, null);
        }
        Arr mn = K.opt(in, 1), mx = K.opt(in, 2);
        if (x.f != null) {
            // float32 bounds of a float32 clip are exact, so comparing in float gives the float64 path's bits
            float lo = mn == null ? Float.NEGATIVE_INFINITY : (float) mn.getD(0), hi = mx == null ? Float.POSITIVE_INFINITY : (float) mx.getD(0);
            return new Arr[] {Arr.floats(x.shape, clip(c.par(), x.f, lo, hi, false))};
        }
        if (x.isFloat()) {
            double lo = mn == null ? Double.NEGATIVE_INFINITY : mn.getD(0), hi = mx == null ? Double.POSITIVE_INFINITY : mx.getD(0);
            return unaryApply(c.par(), x, v -> v < lo ? lo : v > hi ? hi : v, null);
        }
        long lo = mn == null ? Long.MIN_VALUE : mn.getL(0), hi = mx == null ? Long.MAX_VALUE : mx.getL(0);
        return unaryApply(c.par(), x, null, v -> v < lo ? lo : Math.min(v, hi));
    }

    /**
     * o[i] = v < lo ? lo : v > hi ? hi : v for v = x[i]. That select defeats the JIT's vectoriser (and
     * mispredicts), so blocks without a zero or NaN, where {@code min(max(v, lo), hi)} has the same bits
     * (no signed-zero tie, no NaN payload to keep, lo < hi), take the vectorised form; a block with one runs
     * the select. The vectorised min of |v| finds such blocks (it is NaN or 0 exactly when one is there).
     * {@code viaDouble}: the select passes v through float64 and back, as the float64 kernel of opset < 11
     * always did (the same value; kept so that NaN payloads are treated exactly as before).
     */
    static float[] clip(Parallel par, float[] x, float lo, float hi, boolean viaDouble) {
        float[] o = new float[x.length];
        int block = CLIP_BLOCK, blocks = (x.length + block - 1) / block;
        par.forEach(blocks, block, bi -> {
            int i0 = bi * block, i1 = Math.min(x.length, i0 + block);
            clipBlock(x, i0, o, i0, i1 - i0, lo, hi, viaDouble);
        });
        return o;
    }

    static final int CLIP_BLOCK = 1024;


    /** One block of {@link #clip}: o[oo + j] = clip(x[xo + j]) for j < len. */
    static void clipBlock(float[] x, int xo, float[] o, int oo, int len, float lo, float hi, boolean viaDouble) {
        if (VectorModule.PRESENT) {
            ClipLanes.clip(x, xo, o, oo, len, lo, hi, viaDouble);
            return;
        }
        if (lo < hi) { // also false for a NaN bound
            float least = Float.POSITIVE_INFINITY;
            for (int j = 0; j < len; j++) {
                float v = x[xo + j];
                o[oo + j] = Math.min(Math.max(v, lo), hi);
                least = Math.min(least, Math.abs(v));
            }
            if (least > 0) return;
        }
        if (viaDouble) {
            for (int j = 0; j < len; j++) {
                double v = x[xo + j];
                o[oo + j] = (float) (v < lo ? lo : v > hi ? hi : v);
            }
        } else {
            for (int j = 0; j < len; j++) {
                float v = x[xo + j];
                o[oo + j] = v < lo ? lo : v > hi ? hi : v;
            }
        }
    }

    /** Two blocks of scratch per thread for {@link #hardSwish}, reused (fresh memory costs more than the work). */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][CLIP_BLOCK]);

    /**
     * The HardSwish that exporters spell {@code Div(Mul(x, Clip(Add(x, c), lo, hi)), d)} as one pass over x,
     * for untraced runs (the trace needs the three intermediates): per block of {@link #CLIP_BLOCK}, t = x + c,
     * then {@link #clipBlock} of t, then (x * t) / d (or (t * x) / d, in the graph's operand order), every step
     * the single float32 operation the separate kernels perform on the same operands.
     */
    static float[] hardSwish(Parallel par, float[] x, float c, float lo, float hi, boolean viaDouble, boolean xFirst, float d) {
        return hardSwish(par, x, new float[x.length], c, lo, hi, viaDouble, xFirst, d);
    }

    /** As above into o, which may be x itself (o[i] is written after the last read of x[i]). */
    public static float[] hardSwish(Parallel par, float[] x, float[] o, float c, float lo, float hi, boolean viaDouble, boolean xFirst, float d) {
        int block = CLIP_BLOCK, blocks = (x.length + block - 1) / block;
        par.forEach(blocks, block * 4L, bi -> {
            int i0 = bi * block, len = Math.min(x.length, i0 + block) - i0;
            if (VectorModule.PRESENT) {
                ClipLanes.hardSwish(x, i0, o, len, c, lo, hi, viaDouble, xFirst, d);
                return;
            }
            float[][] s = SCRATCH.get();
            float[] t = s[0], ct = s[1];
            for (int j = 0; j < len; j++) t[j] = x[i0 + j] + c;
            clipBlock(t, 0, ct, 0, len, lo, hi, viaDouble);
            if (xFirst) for (int j = 0; j < len; j++) o[i0 + j] = x[i0 + j] * ct[j] / d;
            else for (int j = 0; j < len; j++) o[i0 + j] = ct[j] * x[i0 + j] / d;
        });
        return o;
    }

    private static void binary(Map<String, Kernel> m, String name, DD f, LL l) {
        m.put(name, (n, in, c) -> {
            if (in[0].dtype != in[1].dtype) {
                throw new OpException(n, "inputs must have one dtype, got " + in[0].dtype.wireName() + " and " + in[1].dtype.wireName());
            }
            return new Arr[] {binaryApply(n, in[0], in[1], f, l, c)};
        });
    }

    private static void binaryInt(Map<String, Kernel> m, String name, LL l) {
        m.put(name, (n, in, c) -> new Arr[] {binaryApply(n, in[0], in[1], null, l, c)});
    }

    private static void variadic(Map<String, Kernel> m, String name, DD f, LL l) {
        m.put(name, (n, in, c) -> {
            Arr acc = in[0];
            for (int k = 1; k < in.length; k++) acc = binaryApply(n, acc, in[k], f, l, c);
            return new Arr[] {acc};
        });
    }

    private static void compare(Map<String, Kernel> m, String name, Cmp f, LCmp l) {
        m.put(name, (n, in, c) -> {
            Arr a = in[0], b = in[1];
            int[] out = K.broadcast(n, a.shape, b.shape);
            int[] ai = K.bindex(out, a.shape), bi = K.bindex(out, b.shape);
            long[] o = new long[ai.length];
            boolean ints = a.l != null && b.l != null;
            for (int i = 0; i < o.length; i++) {
                o[i] = (ints ? l.test(a.l[ai[i]], b.l[bi[i]]) : f.test(a.getD(ai[i]), b.getD(bi[i]))) ? 1 : 0;
            }
            return new Arr[] {Arr.longs(DType.BOOL, out, o)};
        });
    }

    private static final int ADD = 0, SUB = 1, MUL = 2, DIV = 3, OTHER = 4;

    /**
     * float32 + - * / with broadcasting, written for the JIT: axes of size 1 are dropped and neighbouring
     * axes that both operands walk contiguously (or both repeat) are merged, so the inner loop is as long as
     * possible and reads each operand either contiguously or as one repeated value. Each output element is
     * still the one IEEE float32 operation on the same two inputs.
     */
    private static void floats(Parallel par, int code, int[] out, int[] as, int[] bs, float[] x, float[] y, float[] o) {
        int[] d = new int[out.length], sa = new int[out.length], sb = new int[out.length];
        int r = 0;
        for (int ax = 0; ax < out.length; ax++) {
            if (out[ax] == 1) continue;
            if (r > 0 && sa[r - 1] == as[ax] * out[ax] && sb[r - 1] == bs[ax] * out[ax]) {
                d[r - 1] *= out[ax];
                sa[r - 1] = as[ax];
                sb[r - 1] = bs[ax];
                continue;
            }
            d[r] = out[ax];
            sa[r] = as[ax];
            sb[r] = bs[ax];
            r++;
        }
        int len = r == 0 ? 1 : d[r - 1], aStep = r == 0 ? 0 : sa[r - 1], bStep = r == 0 ? 0 : sb[r - 1];
        int rows = Arr.size(out) / Math.max(len, 1), chunk = 1 << 14, per = Math.max(1, (len + chunk - 1) / chunk), fr = r;
        if (len == 0) return;
        par.forEach(rows * per, Math.min(len, chunk), task -> {
            int row = task / per, i0 = task % per * chunk, i1 = Math.min(len, i0 + chunk);
            int ao = rowOffset(row, d, sa, fr - 1), bo = rowOffset(row, d, sb, fr - 1);
            int ob = row * len;
            if (aStep == 1 && bStep == 1) same(code, x, ao - ob, y, bo - ob, o, ob + i0, ob + i1);
            else if (aStep == 1 && bStep == 0) scalarRight(code, x, ao - ob, y[bo], o, ob + i0, ob + i1);
            else if (aStep == 0 && bStep == 1) scalarLeft(code, x[ao], y, bo - ob, o, ob + i0, ob + i1);
            else {
                for (int i = i0; i < i1; i++) {
                    float p = x[ao + i * aStep], q = y[bo + i * bStep];
                    o[ob + i] = code == ADD ? p + q : code == SUB ? p - q : code == MUL ? p * q : p / q;
                }
            }
        });
    }

    /** Where row {@code row} of the first {@code axes} axes of {@code dims} starts in an operand with these strides. */
    private static int rowOffset(int row, int[] dims, int[] strides, int axes) {
        int off = 0, rem = row;
        for (int ax = axes - 1; ax >= 0; ax--) {
            off += rem % dims[ax] * strides[ax];
            rem /= dims[ax];
        }
        return off;
    }

    // One small method per operator and operand layout: a method holding all four loops behind a switch
    // was compiled without vectorising the division (10x slower on Div by a constant, measured).
    private static void same(int code, float[] x, int da, float[] y, int db, float[] o, int from, int to) {
        switch (code) {
            case ADD -> addSame(x, da, y, db, o, from, to);
            case SUB -> subSame(x, da, y, db, o, from, to);
            case MUL -> mulSame(x, da, y, db, o, from, to);
            default -> divSame(x, da, y, db, o, from, to);
        }
    }

    private static void scalarRight(int code, float[] x, int da, float v, float[] o, int from, int to) {
        switch (code) {
            case ADD -> addRight(x, da, v, o, from, to);
            case SUB -> subRight(x, da, v, o, from, to);
            case MUL -> mulRight(x, da, v, o, from, to);
            default -> divRight(x, da, v, o, from, to);
        }
    }

    private static void scalarLeft(int code, float v, float[] y, int db, float[] o, int from, int to) {
        switch (code) {
            case ADD -> addLeft(v, y, db, o, from, to);
            case SUB -> subLeft(v, y, db, o, from, to);
            case MUL -> mulLeft(v, y, db, o, from, to);
            default -> divLeft(v, y, db, o, from, to);
        }
    }

    private static void addSame(float[] x, int da, float[] y, int db, float[] o, int from, int to) { for (int i = from; i < to; i++) o[i] = x[i + da] + y[i + db]; }
    private static void subSame(float[] x, int da, float[] y, int db, float[] o, int from, int to) { for (int i = from; i < to; i++) o[i] = x[i + da] - y[i + db]; }
    private static void mulSame(float[] x, int da, float[] y, int db, float[] o, int from, int to) { for (int i = from; i < to; i++) o[i] = x[i + da] * y[i + db]; }
    private static void divSame(float[] x, int da, float[] y, int db, float[] o, int from, int to) { for (int i = from; i < to; i++) o[i] = x[i + da] / y[i + db]; }
    private static void addRight(float[] x, int da, float v, float[] o, int from, int to) { for (int i = from; i < to; i++) o[i] = x[i + da] + v; }
    private static void subRight(float[] x, int da, float v, float[] o, int from, int to) { for (int i = from; i < to; i++) o[i] = x[i + da] - v; }
    private static void mulRight(float[] x, int da, float v, float[] o, int from, int to) { for (int i = from; i < to; i++) o[i] = x[i + da] * v; }
    private static void divRight(float[] x, int da, float v, float[] o, int from, int to) { for (int i = from; i < to; i++) o[i] = x[i + da] / v; }
    private static void addLeft(float v, float[] y, int db, float[] o, int from, int to) { for (int i = from; i < to; i++) o[i] = v + y[i + db]; }
    private static void subLeft(float v, float[] y, int db, float[] o, int from, int to) { for (int i = from; i < to; i++) o[i] = v - y[i + db]; }
    private static void mulLeft(float v, float[] y, int db, float[] o, int from, int to) { for (int i = from; i < to; i++) o[i] = v * y[i + db]; }
    private static void divLeft(float v, float[] y, int db, float[] o, int from, int to) { for (int i = from; i < to; i++) o[i] = v / y[i + db]; }

    /**
     * Broadcasting binary op. float32 results are f computed in float64 and rounded once; for + - * / that
     * equals the single float32 IEEE operation (double rounding is innocuous for these on float32 operands).
     */
    static Arr binaryApply(Op n, Arr a, Arr b, DD f, LL l, KernelContext c) {
        int[] out = K.broadcast(n, a.shape, b.shape);
        int total = Arr.size(out);
        int r = out.length;
        int len = r == 0 ? 1 : out[r - 1];
        int rows = len == 0 ? 0 : total / len;
        int[] as = K.bstrides(out, a.shape), bs = K.bstrides(out, b.shape);
        int aStep = r == 0 ? 0 : as[r - 1], bStep = r == 0 ? 0 : bs[r - 1];
        int code = switch (n.op) {
            case "Add", "Sum" -> ADD;
            case "Sub" -> SUB;
            case "Mul" -> MUL;
            case "Div" -> DIV;
            default -> OTHER;
        };
        DType t = a.dtype;
        float[] of = t == DType.FLOAT32 ? new float[total] : null;
        double[] od = t == DType.FLOAT64 ? new double[total] : null;
        long[] ol = of == null && od == null ? new long[total] : null;
        if (ol != null && l == null) throw new OpException(n, "input must be float32 or float64, got " + t.wireName());
        if (ol == null && f == null) throw new OpException(n, "input must be an integer type, got " + t.wireName());
        if (of != null && b.dtype != DType.FLOAT32) throw new OpException(n, "input 1 must be float32, got " + b.dtype.wireName());
        if (of != null && code != OTHER) {
            floats(c.par(), code, out, as, bs, a.f, b.f, of);
        } else c.par().forEach(rows, len, row -> {
            int ao = rowOffset(row, out, as, r - 1), bo = rowOffset(row, out, bs, r - 1);
            int o = row * len;
            if (of != null) {
                float[] x = a.f, y = b.f;
                for (int i = 0; i < len; i++) of[o + i] = (float) f.ap(x[ao + i * aStep], y[bo + i * bStep]);
            } else if (od != null) {
                for (int i = 0; i < len; i++) od[o + i] = f.ap(a.d[ao + i * aStep], b.getD(bo + i * bStep));
            } else {
                for (int i = 0; i < len; i++) ol[o + i] = Arr.wrap(t, l.ap(a.l[ao + i * aStep], b.getL(bo + i * bStep)));
            }
        });
        if (of != null) return Arr.floats(out, of);
        if (od != null) return Arr.doubles(out, od);
        return Arr.longs(t, out, ol);
    }
}
