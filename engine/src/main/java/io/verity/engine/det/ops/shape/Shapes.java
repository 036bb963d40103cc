package io.verity.engine.det.ops.shape;

import io.verity.engine.det.graph.K;
import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.graph.KernelContext;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.graph.OpException;
import io.verity.engine.det.tensor.Arr;
import io.verity.engine.det.tensor.Convert;
import io.verity.protocol.tensor.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Operators that move or create data without arithmetic: exact by construction. */
public final class Shapes {
    private Shapes() {}

    public static void register(Map<String, Kernel> m) {
        m.put("Reshape", Shapes::reshape);
        m.put("Shape", (n, in, c) -> {
            int r = in[0].rank();
            long s = n.i("start", 0), e = n.i("end", r);
            int lo = (int) Math.max(0, Math.min(r, s < 0 ? s + r : s)), hi = (int) Math.max(0, Math.min(r, e < 0 ? e + r : e));
            long[] v = new long[Math.max(0, hi - lo)];
            for (int i = 0; i < v.length; i++) v[i] = in[0].shape[lo + i];
            return new Arr[] {Arr.vector(v)};
        });
        m.put("Size", (n, in, c) -> new Arr[] {Arr.scalarLong(in[0].size())});
        m.put("Flatten", (n, in, c) -> {
            int r = in[0].rank();
            long a = n.i("axis", 1);
            int ax = (int) (a < 0 ? a + r : a);
            if (ax < 0 || ax > r) throw new OpException(n, "axis must be in [" + -r + ", " + r + "], got " + a);
            int outer = 1;
            for (int i = 0; i < ax; i++) outer *= in[0].shape[i];
            return new Arr[] {in[0].reshape(new int[] {outer, in[0].size() / Math.max(outer, 1)})};
        });
        m.put("Squeeze", Shapes::squeeze);
        m.put("Unsqueeze", Shapes::unsqueeze);
        m.put("Transpose", (n, in, c) -> {
            int r = in[0].rank();
            long[] p = n.ints("perm");
            int[] perm = new int[r];
            for (int i = 0; i < r; i++) perm[i] = p == null ? r - 1 - i : (int) p[i];
            return new Arr[] {transpose(in[0], perm)};
        });
        m.put("Concat", Shapes::concat);
        m.put("Slice", Shapes::slice);
        m.put("Gather", Shapes::gather);
        m.put("GatherElements", Shapes::gatherElements);
        m.put("Expand", (n, in, c) -> {
            int[] want = K.ints(in[1].longValues());
            int[] out = K.broadcast(n, in[0].shape, want);
            return new Arr[] {in[0].gather(out, K.bindex(out, in[0].shape))};
        });
        m.put("Tile", (n, in, c) -> {
            Arr x = in[0];
            long[] reps = in[1].longValues();
            int r = x.rank();
            int[] out = new int[r];
            for (int i = 0; i < r; i++) out[i] = (int) (x.shape[i] * reps[i]);
            return new Arr[] {x.gather(out, map(out, (coord) -> {
                int[] st = Arr.strides(x.shape);
                int s = 0;
                for (int i = 0; i < r; i++) s += (coord[i] % x.shape[i]) * st[i];
                return s;
            }))};
        });
        m.put("Constant", (n, in, c) -> {
            Object v = n.cache;
            if (v == null) n.cache = v = constant(n, in, c);
            return (Arr[]) v;
        });
        m.put("ConstantOfShape", (n, in, c) -> {
            int[] shape = K.ints(in[0].longValues());
            Arr v = n.has("value") ? Convert.fromProto(n.raw("value").getT()) : Arr.floats(new int[] {1}, new float[1]);
            return new Arr[] {v.gather(shape, new int[Arr.size(shape)])};
        });
        m.put("Cast", (n, in, c) -> new Arr[] {K.cast(in[0], K.dtypeOf(n, n.i("to", 0)))});
        m.put("CastLike", (n, in, c) -> new Arr[] {K.cast(in[0], in[1].dtype)});
        m.put("Pad", Shapes::pad);
        m.put("Split", Shapes::split);
        m.put("Range", (n, in, c) -> {
            Arr s = in[0], l = in[1], d = in[2];
            if (s.isFloat()) {
                double st = s.getD(0), lim = l.getD(0), dl = d.getD(0);
                int cnt = (int) Math.max(0, Math.ceil((lim - st) / dl));
                double[] o = new double[cnt];
                for (int i = 0; i < cnt; i++) o[i] = st + i * dl;
                Arr r = Arr.doubles(new int[] {cnt}, o);
                return new Arr[] {K.cast(r, s.dtype)};
            }
            long st = s.getL(0), lim = l.getL(0), dl = d.getL(0);
            int cnt = (int) Math.max(0, (lim - st + dl + (dl > 0 ? -1 : 1)) / dl);
            long[] o = new long[cnt];
            for (int i = 0; i < cnt; i++) o[i] = st + i * dl;
            return new Arr[] {Arr.longs(s.dtype, new int[] {cnt}, o)};
        });
        m.put("DepthToSpace", (n, in, c) -> {
            Arr x = in[0];
            int b = (int) n.i("blocksize", 0), N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
            boolean crd = n.s("mode", "DCR").equals("CRD");
            Arr t = crd ? x.reshape(new int[] {N, C / (b * b), b, b, H, W}) : x.reshape(new int[] {N, b, b, C / (b * b), H, W});
            int[] perm = crd ? new int[] {0, 1, 4, 2, 5, 3} : new int[] {0, 3, 4, 1, 5, 2};
            return new Arr[] {transpose(t, perm).reshape(new int[] {N, C / (b * b), H * b, W * b})};
        });
        m.put("SpaceToDepth", (n, in, c) -> {
            Arr x = in[0];
            int b = (int) n.i("blocksize", 0), N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
            Arr t = x.reshape(new int[] {N, C, H / b, b, W / b, b});
            return new Arr[] {transpose(t, new int[] {0, 3, 5, 1, 2, 4}).reshape(new int[] {N, C * b * b, H / b, W / b})};
        });
        m.put("Trilu", (n, in, c) -> {
            Arr x = in[0];
            long kk = in.length > 1 && in[1] != null ? in[1].getL(0) : 0;
            boolean upper = n.i("upper", 1) != 0;
            int r = x.rank(), R = x.shape[r - 2], C = x.shape[r - 1];
            Arr zero = Arr.zeros(x.dtype, new int[] {1});
            Arr xz = concatFlat(x, zero);
            int[] src = new int[x.size()];
            for (int i = 0; i < src.length; i++) {
                int col = i % C, row = (i / C) % R;
                boolean keep = upper ? col - row >= kk : col - row <= kk;
                src[i] = keep ? i : x.size();
            }
            return new Arr[] {xz.gather(x.shape, src)};
        });
        m.put("NonZero", (n, in, c) -> {
            Arr x = in[0];
            int r = x.rank();
            List<Integer> hits = new ArrayList<>();
            for (int i = 0; i < x.size(); i++) if (x.getD(i) != 0) hits.add(i);
            long[] o = new long[r * hits.size()];
            int[] st = Arr.strides(x.shape);
            for (int h = 0; h < hits.size(); h++) {
                int rem = hits.get(h);
                for (int ax = 0; ax < r; ax++) {
                    o[ax * hits.size() + h] = rem / st[ax];
                    rem %= st[ax];
                }
            }
            return new Arr[] {Arr.longs(DType.INT64, new int[] {r, hits.size()}, o)};
        });
        m.put("OneHot", (n, in, c) -> {
            Arr idx = in[0], vals = in[2];
            int depth = (int) in[1].getD(0);
            int r = idx.rank();
            long a = n.i("axis", -1);
            int ax = (int) (a < 0 ? a + r + 1 : a);
            int[] out = new int[r + 1];
            for (int i = 0, j = 0; i <= r; i++) out[i] = i == ax ? depth : idx.shape[j++];
            int[] src = map(out, coord -> {
                int[] ic = new int[r];
                for (int i = 0, j = 0; i <= r; i++) if (i != ax) ic[j++] = coord[i];
                int flat = 0;
                int[] st = Arr.strides(idx.shape);
                for (int i = 0; i < r; i++) flat += ic[i] * st[i];
                long v = (long) idx.getD(flat);
                if (v < 0) v += depth;
                return v == coord[ax] ? 1 : 0;
            });
            return new Arr[] {vals.gather(out, src)};
        });
    }

    interface CoordFn {
        int at(int[] coord);
    }

    /** src[i] = fn(coordinates of output element i), walking the output in row-major order. */
    static int[] map(int[] out, CoordFn fn) {
        int n = Arr.size(out), r = out.length;
        int[] src = new int[n];
        int[] c = new int[r];
        for (int i = 0; i < n; i++) {
            src[i] = fn.at(c);
            for (int ax = r - 1; ax >= 0; ax--) {
                if (++c[ax] < out[ax]) break;
                c[ax] = 0;
            }
        }
        return src;
    }

    public static Arr transpose(Arr x, int[] perm) {
        int r = x.rank();
        int[] out = new int[r];
        int[] st = Arr.strides(x.shape);
        int[] pst = new int[r];
        for (int i = 0; i < r; i++) {
            out[i] = x.shape[perm[i]];
            pst[i] = st[perm[i]];
        }
        if (x.f != null && r > 0 && out[r - 1] > 0) { // float32 (attention heads): a strided copy per output row
            int n = Arr.size(out), last = out[r - 1], ls = pst[r - 1];
            float[] o = new float[n];
            int[] c = new int[r];
            for (int i = 0; i < n; i += last) {
                int base = 0;
                for (int ax = 0; ax < r - 1; ax++) base += c[ax] * pst[ax];
                for (int j = 0; j < last; j++) o[i + j] = x.f[base + j * ls];
                for (int ax = r - 2; ax >= 0; ax--) {
                    if (++c[ax] < out[ax]) break;
                    c[ax] = 0;
                }
            }
            return Arr.floats(out, o);
        }
        return x.gather(out, map(out, coord -> {
            int s = 0;
            for (int i = 0; i < r; i++) s += coord[i] * pst[i];
            return s;
        }));
    }

    /** Both flattened, one after the other (a helper for select-style gathers). */
    public static Arr concatFlat(Arr a, Arr b) {
        if (a.dtype != b.dtype) throw new IllegalArgumentException("dtypes differ: " + a.dtype + " and " + b.dtype);
        int n = a.size() + b.size();
        int[] shape = {n};
        if (a.f != null) {
            float[] o = Arrays.copyOf(a.f, n);
            System.arraycopy(b.f, 0, o, a.size(), b.size());
            return Arr.floats(shape, o);
        }
        if (a.d != null) {
            double[] o = Arrays.copyOf(a.d, n);
            System.arraycopy(b.d, 0, o, a.size(), b.size());
            return Arr.doubles(shape, o);
        }
        long[] o = Arrays.copyOf(a.l, n);
        System.arraycopy(b.l, 0, o, a.size(), b.size());
        return Arr.longs(a.dtype, shape, o);
    }

    private static Arr[] reshape(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0];
        long[] want = n.opset < 5 ? n.ints("shape") : in[1].longValues();
        boolean allowZero = n.i("allowzero", 0) != 0;
        int[] out = new int[want.length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < want.length; i++) {
            if (want[i] == -1) {
                if (infer >= 0) throw new OpException(n, "shape may contain at most one -1, got " + Arrays.toString(want));
                infer = i;
                continue;
            }
            out[i] = (int) (want[i] == 0 && !allowZero ? x.shape[i] : want[i]);
            known *= out[i];
        }
        if (infer >= 0) out[infer] = known == 0 ? 0 : (int) (x.size() / known);
        if (Arr.size(out) != x.size()) {
            throw new OpException(n, "shape " + Arrays.toString(want) + " does not fit " + x.size() + " elements of " + Arrays.toString(x.shape));
        }
        return new Arr[] {x.reshape(out)};
    }

    private static long[] axesOf(Op n, Arr[] in, int inputIndex, int opsetSwitch) {
        if (n.opset < opsetSwitch) return n.ints("axes");
        Arr a = K.opt(in, inputIndex);
        return a == null ? null : a.longValues();
    }

    private static Arr[] squeeze(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0];
        long[] axes = axesOf(n, in, 1, 13);
        boolean[] drop = new boolean[x.rank()];
        if (axes == null) for (int i = 0; i < x.rank(); i++) drop[i] = x.shape[i] == 1;
        else for (long a : axes) {
            int ax = K.axis(n, a, x.rank());
            if (x.shape[ax] != 1) throw new OpException(n, "axis " + a + " has size " + x.shape[ax] + ", expected 1");
            drop[ax] = true;
        }
        int[] out = new int[x.rank()];
        int k = 0;
        for (int i = 0; i < x.rank(); i++) if (!drop[i]) out[k++] = x.shape[i];
        return new Arr[] {x.reshape(Arrays.copyOf(out, k))};
    }

    private static Arr[] unsqueeze(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0];
        long[] axes = axesOf(n, in, 1, 13);
        int r = x.rank() + axes.length;
        boolean[] ins = new boolean[r];
        for (long a : axes) ins[K.axis(n, a, r)] = true;
        int[] out = new int[r];
        for (int i = 0, j = 0; i < r; i++) out[i] = ins[i] ? 1 : x.shape[j++];
        return new Arr[] {x.reshape(out)};
    }

    private static Arr[] concat(Op n, Arr[] in, KernelContext c) {
        int r = in[0].rank();
        int ax = K.axis(n, n.i("axis", 0), r);
        int[] out = in[0].shape.clone();
        out[ax] = 0;
        for (Arr a : in) out[ax] += a.shape[ax];
        int outer = 1, inner = 1;
        for (int i = 0; i < ax; i++) outer *= out[i];
        for (int i = ax + 1; i < r; i++) inner *= out[i];
        for (int k = 1; k < in.length; k++) {
            if (in[k].dtype != in[0].dtype) {
                throw new OpException(n, "inputs must have one dtype, got " + in[0].dtype.wireName() + " and " + in[k].dtype.wireName() + " (input " + k + ")");
            }
        }
        // Copy each input's chunk per outer index straight into place (exact copies, no index array).
        Arr res = Arr.zeros(in[0].dtype, out);
        Object dst = res.f != null ? res.f : res.d != null ? res.d : res.l;
        int p = 0;
        for (int o = 0; o < outer; o++) {
            for (Arr a : in) {
                int chunk = a.shape[ax] * inner;
                System.arraycopy(a.f != null ? a.f : a.d != null ? a.d : a.l, o * chunk, dst, p, chunk);
                p += chunk;
            }
        }
        return new Arr[] {res};
    }

    private static Arr[] slice(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0];
        int r = x.rank();
        long[] starts, ends, axes, steps;
        if (n.opset < 10) {
            starts = n.ints("starts");
            ends = n.ints("ends");
            axes = n.ints("axes");
            steps = null;
        } else {
            starts = in[1].longValues();
            ends = in[2].longValues();
            axes = K.opt(in, 3) == null ? null : in[3].longValues();
            steps = K.opt(in, 4) == null ? null : in[4].longValues();
        }
        int[] st = new int[r], step = new int[r], out = x.shape.clone();
        Arrays.fill(step, 1);
        for (int k = 0; k < starts.length; k++) {
            int ax = K.axis(n, axes == null ? k : axes[k], r);
            long dim = x.shape[ax], s = starts[k], e = ends[k], sp = steps == null ? 1 : steps[k];
            if (sp == 0) throw new OpException(n, "steps[" + k + "] must not be 0");
            if (s < 0) s += dim;
            if (e < 0) e += dim;
            if (sp > 0) {
                s = Math.max(0, Math.min(dim, s));
                e = Math.max(0, Math.min(dim, e));
            } else {
                s = Math.max(-1, Math.min(dim - 1, s));
                e = Math.max(-1, Math.min(dim - 1, e));
            }
            long cnt = sp > 0 ? (e - s + sp - 1) / sp : (s - e - sp - 1) / -sp;
            out[ax] = (int) Math.max(0, cnt);
            st[ax] = (int) s;
            step[ax] = (int) sp;
        }
        int[] xs = Arr.strides(x.shape);
        // Source index of each output element, odometer style: last axis innermost, no call per element.
        int total = Arr.size(out), len = r == 0 ? 1 : out[r - 1], rows = len == 0 ? 0 : total / len;
        int inStep = r == 0 ? 0 : step[r - 1] * xs[r - 1], base0 = 0;
        for (int i = 0; i < r; i++) base0 += st[i] * xs[i];
        // float32 rows that are contiguous in x are copied as they are, without the index array (Silero VAD's
        // real and imaginary halves of its STFT)
        boolean rowCopy = x.f != null && inStep == 1;
        float[] copied = rowCopy ? new float[total] : null;
        int[] src = rowCopy ? null : new int[total], coord = new int[Math.max(r - 1, 0)];
        for (int row = 0, p = 0; row < rows; row++) {
            int b = base0;
            for (int i = 0; i < r - 1; i++) b += coord[i] * step[i] * xs[i];
            if (rowCopy) System.arraycopy(x.f, b, copied, row * len, len);
            else for (int j = 0; j < len; j++) src[p++] = b + j * inStep;
            for (int i = r - 2; i >= 0; i--) {
                if (++coord[i] < out[i]) break;
                coord[i] = 0;
            }
        }
        return new Arr[] {rowCopy ? Arr.floats(out, copied) : x.gather(out, src)};
    }

    private static Arr[] gather(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0], idx = in[1];
        int r = x.rank();
        int ax = K.axis(n, n.i("axis", 0), r);
        int[] out = new int[r - 1 + idx.rank()];
        int k = 0;
        for (int i = 0; i < ax; i++) out[k++] = x.shape[i];
        for (int s : idx.shape) out[k++] = s;
        for (int i = ax + 1; i < r; i++) out[k++] = x.shape[i];
        int outer = 1, inner = 1, dim = x.shape[ax];
        for (int i = 0; i < ax; i++) outer *= x.shape[i];
        for (int i = ax + 1; i < r; i++) inner *= x.shape[i];
        int ni = idx.size();
        int[] src = new int[Arr.size(out)];
        int p = 0;
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < ni; j++) {
                long v = idx.getL(j);
                if (v < -dim || v >= dim) throw new OpException(n, "index " + v + " is out of range for axis " + ax + " of size " + dim);
                int iv = (int) (v < 0 ? v + dim : v);
                int base = (o * dim + iv) * inner;
                for (int i = 0; i < inner; i++) src[p++] = base + i;
            }
        }
        return new Arr[] {x.gather(out, src)};
    }

    private static Arr[] gatherElements(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0], idx = in[1];
        int r = x.rank();
        int ax = K.axis(n, n.i("axis", 0), r);
        int[] xs = Arr.strides(x.shape), is = Arr.strides(idx.shape);
        return new Arr[] {x.gather(idx.shape, map(idx.shape, coord -> {
            int flat = 0;
            for (int i = 0; i < r; i++) flat += coord[i] * is[i];
            long v = idx.getL(flat);
            if (v < 0) v += x.shape[ax];
            int s = 0;
            for (int i = 0; i < r; i++) s += (i == ax ? (int) v : coord[i]) * xs[i];
            return s;
        }))};
    }

    private static Arr[] constant(Op n, Arr[] in, KernelContext c) {
        if (n.has("value")) return new Arr[] {Convert.fromProto(n.raw("value").getT())};
        if (n.has("value_float")) return new Arr[] {Arr.floats(new int[0], new float[] {n.f("value_float", 0)})};
        if (n.has("value_floats")) {
            float[] v = n.floats("value_floats");
            return new Arr[] {Arr.floats(new int[] {v.length}, v)};
        }
        if (n.has("value_int")) return new Arr[] {Arr.scalarLong(n.i("value_int", 0))};
        if (n.has("value_ints")) return new Arr[] {Arr.vector(n.ints("value_ints"))};
        throw new OpException(n, "expected one of the attributes value, value_float(s), value_int(s)");
    }

    private static Arr[] pad(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0];
        int r = x.rank();
        String mode = n.s("mode", "constant");
        long[] pads;
        Arr value;
        long[] axes = null;
        if (n.opset < 11) {
            pads = n.ints("pads");
            value = K.cast(Arr.doubles(new int[] {1}, new double[] {n.f("value", 0)}), x.dtype);
        } else {
            pads = in[1].longValues();
            Arr cv = K.opt(in, 2);
            value = cv == null ? Arr.zeros(x.dtype, new int[] {1}) : cv.reshape(new int[] {1});
            if (K.opt(in, 3) != null) axes = in[3].longValues();
        }
        int[] before = new int[r], after = new int[r];
        int na = axes == null ? r : axes.length;
        for (int k = 0; k < na; k++) {
            int ax = axes == null ? k : K.axis(n, axes[k], r);
            before[ax] = (int) pads[k];
            after[ax] = (int) pads[k + na];
        }
        int[] out = new int[r];
        for (int i = 0; i < r; i++) out[i] = x.shape[i] + before[i] + after[i];
        int[] xs = Arr.strides(x.shape);
        int outside = x.size();
        CoordFn source = coord -> {
            int s = 0;
            for (int i = 0; i < r; i++) {
                int v = coord[i] - before[i], d = x.shape[i];
                if (v < 0 || v >= d) {
                    switch (mode) {
                        case "edge" -> v = v < 0 ? 0 : d - 1;
                        case "reflect" -> {
                            int period = 2 * (d - 1);
                            if (period == 0) v = 0;
                            else {
                                v = Math.floorMod(v, period);
                                if (v >= d) v = period - v;
                            }
                        }
                        case "wrap" -> v = Math.floorMod(v, d);
                        default -> { return outside; }
                    }
                }
                s += v * xs[i];
            }
            return s;
        };
        boolean lastAxisOnly = x.f != null && value.f != null && r >= 1 && x.size() > 0;
        for (int i = 0; i < r - 1 && lastAxisOnly; i++) lastAxisOnly = before[i] == 0 && after[i] == 0;
        if (lastAxisOnly) {
            // every row is padded alike (Silero VAD's reflect padding of its audio): the sources of one row, then
            // each row's elements copied from them (value where there is none)
            int w = x.shape[r - 1], ow = out[r - 1], rows = x.size() / w;
            int[] col = new int[ow], coord = new int[r];
            for (int j = 0; j < ow; j++) {
                coord[r - 1] = j;
                col[j] = source.at(coord);
            }
            float[] o = new float[rows * ow];
            float fill = value.f[0];
            for (int row = 0; row < rows; row++) {
                for (int j = 0; j < ow; j++) o[row * ow + j] = col[j] == outside ? fill : x.f[row * w + col[j]];
            }
            return new Arr[] {Arr.floats(out, o)};
        }
        return new Arr[] {concatFlat(x.reshape(new int[] {x.size()}), value).gather(out, map(out, source))};
    }

    private static Arr[] split(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0];
        int r = x.rank();
        int ax = K.axis(n, n.i("axis", 0), r);
        int outs = n.outputs.size();
        long[] sizes = n.opset < 13 ? n.ints("split") : (K.opt(in, 1) == null ? null : in[1].longValues());
        if (sizes == null) {
            int dim = x.shape[ax];
            int num = n.has("num_outputs") ? (int) n.i("num_outputs", outs) : outs;
            int chunk = (dim + num - 1) / num;
            sizes = new long[num];
            for (int k = 0; k < num; k++) sizes[k] = Math.max(0, Math.min(chunk, dim - k * chunk));
        }
        Arr[] res = new Arr[sizes.length];
        long start = 0;
        int[] xs = Arr.strides(x.shape);
        for (int k = 0; k < sizes.length; k++) {
            int[] out = x.shape.clone();
            out[ax] = (int) sizes[k];
            final int st = (int) start;
            res[k] = x.gather(out, map(out, coord -> {
                int s = 0;
                for (int i = 0; i < r; i++) s += (i == ax ? coord[i] + st : coord[i]) * xs[i];
                return s;
            }));
            start += sizes[k];
        }
        return res;
    }
}
