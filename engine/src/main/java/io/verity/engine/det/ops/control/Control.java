package io.verity.engine.det.ops.control;

import io.verity.engine.det.graph.Graph;
import io.verity.engine.det.graph.K;
import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.graph.KernelContext;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.graph.OpException;
import io.verity.engine.det.ops.shape.Shapes;
import io.verity.engine.det.tensor.Arr;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** If and Loop: their bodies run on the same interpreter, reading the enclosing scope. */
public final class Control {
    private Control() {}

    public static void register(Map<String, Kernel> m) {
        m.put("If", (n, in, c) -> {
            boolean cond = in[0].getD(0) != 0;
            Graph body = n.graph(cond ? "then_branch" : "else_branch");
            return c.runBody(body, List.of(), new Arr[0]);
        });
        m.put("Loop", Control::loop);
    }

    private static Arr[] loop(Op n, Arr[] in, KernelContext c) {
        Graph body = n.graph("body");
        Arr maxTrip = K.opt(in, 0), condIn = K.opt(in, 1);
        long max = maxTrip == null ? Long.MAX_VALUE : maxTrip.getL(0);
        boolean cond = condIn == null || condIn.getD(0) != 0;
        int carried = in.length - 2;
        Arr[] state = new Arr[carried];
        System.arraycopy(in, 2, state, 0, carried);
        int scans = body.outputs.size() - 1 - carried;
        List<List<Arr>> scanned = new ArrayList<>();
        for (int k = 0; k < scans; k++) scanned.add(new ArrayList<>());
        List<String> names = body.inputs.stream().map(v -> v.getName()).toList();
        for (long i = 0; i < max && cond; i++) {
            Arr[] vals = new Arr[names.size()];
            vals[0] = Arr.scalarLong(i);
            vals[1] = Arr.longs(io.verity.protocol.tensor.DType.BOOL, new int[0], new long[] {cond ? 1 : 0});
            System.arraycopy(state, 0, vals, 2, carried);
            Arr[] out = c.runBody(body, names, vals);
            cond = out[0].getD(0) != 0;
            System.arraycopy(out, 1, state, 0, carried);
            for (int k = 0; k < scans; k++) scanned.get(k).add(out[1 + carried + k]);
        }
        Arr[] res = new Arr[carried + scans];
        System.arraycopy(state, 0, res, 0, carried);
        for (int k = 0; k < scans; k++) {
            List<Arr> parts = scanned.get(k);
            if (parts.isEmpty()) throw new OpException(n, "scan output " + k + " is empty: the loop ran zero iterations");
            Arr acc = parts.get(0).reshape(new int[] {parts.get(0).size()});
            for (int j = 1; j < parts.size(); j++) acc = Shapes.concatFlat(acc, parts.get(j));
            int[] shape = new int[parts.get(0).rank() + 1];
            shape[0] = parts.size();
            System.arraycopy(parts.get(0).shape, 0, shape, 1, parts.get(0).rank());
            res[carried + k] = acc.reshape(shape);
        }
        return res;
    }
}
