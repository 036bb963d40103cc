package io.verity.engine.det.ops.control;

import io.verity.engine.det.graph.Graph;
import io.verity.engine.det.graph.K;
import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.graph.KernelContext;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.graph.OpException;
import io.verity.engine.det.tensor.Arr;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Scan: the body runs once per slice of the scan inputs, in order, carrying its state; its other outputs are
 * stacked. Slicing and stacking are copies, so the bits are the body's. Scan-8 (batch axis 0, scan axis 1)
 * runs as Scan-9 once per batch entry, without sequence_lens shorter than the sequence.
 */
public final class Scan {
    private Scan() {}

    public static void register(Map<String, Kernel> m) {
        m.put("Scan", (n, in, c) -> n.opset < 9 ? scan8(n, in, c) : scan(n, in, c));
    }

    private static Arr[] scan8(Op n, Arr[] in, KernelContext c) {
        Arr lens = K.opt(in, 0);
        Arr[] rest = Arrays.copyOfRange(in, 1, in.length);
        int batch = rest[0].shape[0];
        List<Arr[]> perBatch = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            Arr[] slice = new Arr[rest.length];
            for (int k = 0; k < rest.length; k++) slice[k] = take(rest[k], 0, b);
            int m = (int) n.i("num_scan_inputs", 0), seq = slice[slice.length - m].shape[0];
            if (lens != null && lens.getL(b) != seq) throw new OpException(n, "sequence_lens shorter than the sequence is not supported");
            perBatch.add(scan(n, slice, c));
        }
        Arr[] out = new Arr[perBatch.get(0).length];
        for (int k = 0; k < out.length; k++) {
            List<Arr> parts = new ArrayList<>();
            for (Arr[] r : perBatch) parts.add(r[k]);
            out[k] = stack(parts, 0, false);
        }
        return out;
    }

    /** Scan-9 and later on in = state..., scan inputs...; directions from the attributes (Scan-8: "directions"). */
    private static Arr[] scan(Op n, Arr[] in, KernelContext c) {
        Graph body = n.graph("body");
        int m = (int) n.i("num_scan_inputs", 0), states = in.length - m;
        if (m < 1 || states < 0) throw new OpException(n, "num_scan_inputs must be in [1, " + in.length + "], got " + m);
        long[] inAxes = n.ints("scan_input_axes"), inDirs = n.opset < 9 ? n.ints("directions") : n.ints("scan_input_directions");
        int scanOuts = body.outputs.size() - states;
        long[] outAxes = n.ints("scan_output_axes"), outDirs = n.ints("scan_output_directions");
        int[] axis = new int[m];
        int T = -1;
        for (int j = 0; j < m; j++) {
            Arr x = in[states + j];
            axis[j] = K.axis(n, inAxes == null ? 0 : inAxes[j], x.rank());
            if (T >= 0 && x.shape[axis[j]] != T) throw new OpException(n, "scan inputs differ in length: " + T + " and " + x.shape[axis[j]]);
            T = x.shape[axis[j]];
        }
        List<String> names = body.inputs.stream().map(v -> v.getName()).toList();
        Arr[] state = Arrays.copyOf(in, states);
        List<List<Arr>> scanned = new ArrayList<>();
        for (int k = 0; k < scanOuts; k++) scanned.add(new ArrayList<>());
        for (int t = 0; t < T; t++) {
            Arr[] vals = new Arr[names.size()];
            System.arraycopy(state, 0, vals, 0, states);
            for (int j = 0; j < m; j++) {
                boolean reverse = inDirs != null && inDirs[j] != 0;
                vals[states + j] = take(in[states + j], axis[j], reverse ? T - 1 - t : t);
            }
            Arr[] out = c.runBody(body, names, vals);
            System.arraycopy(out, 0, state, 0, states);
            for (int k = 0; k < scanOuts; k++) scanned.get(k).add(out[states + k]);
        }
        Arr[] res = Arrays.copyOf(state, states + scanOuts);
        for (int k = 0; k < scanOuts; k++) {
            if (T == 0) throw new OpException(n, "scan output " + k + " is empty: the sequence has length 0");
            int rank = scanned.get(k).get(0).rank() + 1;
            res[states + k] = stack(scanned.get(k), K.axis(n, outAxes == null ? 0 : outAxes[k], rank), outDirs != null && outDirs[k] != 0);
        }
        return res;
    }

    /** x with axis removed, at index t of it. */
    static Arr take(Arr x, int axis, int t) {
        int[] shape = new int[x.rank() - 1];
        for (int a = 0, o = 0; a < x.rank(); a++) if (a != axis) shape[o++] = x.shape[a];
        int outer = 1, inner = 1, len = x.shape[axis];
        for (int a = 0; a < axis; a++) outer *= x.shape[a];
        for (int a = axis + 1; a < x.rank(); a++) inner *= x.shape[a];
        int[] src = new int[outer * inner];
        for (int o = 0; o < outer; o++) for (int i = 0; i < inner; i++) src[o * inner + i] = (o * len + t) * inner + i;
        return x.gather(shape, src);
    }

    /** The parts (equal shapes) stacked along a new axis, in reverse order when asked. */
    static Arr stack(List<Arr> parts, int axis, boolean reverse) {
        Arr first = parts.get(0);
        int T = parts.size(), P = first.size();
        Arr flat = Arr.zeros(first.dtype, new int[] {T * P}); // part t at t * P: one copy each, not T concatenations
        for (int j = 0; j < T; j++) {
            Arr p = parts.get(j);
            if (p.size() != P || p.dtype != first.dtype) throw new IllegalArgumentException("scan outputs differ in shape or type across iterations");
            if (p.f != null) System.arraycopy(p.f, 0, flat.f, j * P, P);
            else if (p.d != null) System.arraycopy(p.d, 0, flat.d, j * P, P);
            else System.arraycopy(p.l, 0, flat.l, j * P, P);
        }
        int[] shape = new int[first.rank() + 1];
        for (int a = 0, s = 0; a < shape.length; a++) shape[a] = a == axis ? T : first.shape[s++];
        int outer = 1, inner = 1;
        for (int a = 0; a < axis; a++) outer *= first.shape[a];
        for (int a = axis; a < first.rank(); a++) inner *= first.shape[a];
        int[] src = new int[T * P];
        for (int o = 0; o < outer; o++) for (int t = 0; t < T; t++) for (int i = 0; i < inner; i++) {
            src[(o * T + t) * inner + i] = (reverse ? T - 1 - t : t) * P + o * inner + i;
        }
        return flat.gather(shape, src);
    }
}
