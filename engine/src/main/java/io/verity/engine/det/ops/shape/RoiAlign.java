package io.verity.engine.det.ops.shape;

import io.verity.engine.det.graph.K;
import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.graph.KernelContext;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.graph.OpException;
import io.verity.engine.det.tensor.Arr;
import java.util.Map;

/**
 * RoiAlign (mode avg), as the ONNX reference and ONNX Runtime compute it: each output bin averages
 * grid_h x grid_w bilinear samples taken in row-major order. Every coordinate, weight and sum is float64
 * (samples added in that order), and each output is rounded once to the input's type.
 */
public final class RoiAlign {
    private RoiAlign() {}

    public static void register(Map<String, Kernel> m) {
        m.put("RoiAlign", RoiAlign::roiAlign);
    }

    private static Arr[] roiAlign(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0], rois = in[1], batch = in[2];
        if (!x.isFloat() || x.rank() != 4) throw new OpException(n, "X must be float [N, C, H, W], got " + x);
        if (!n.s("mode", "avg").equals("avg")) throw new OpException(n, "mode " + n.s("mode", "avg") + " is not supported; expected avg");
        String ctm = n.s("coordinate_transformation_mode", n.opset >= 16 ? "half_pixel" : "output_half_pixel");
        if (!ctm.equals("half_pixel") && !ctm.equals("output_half_pixel")) throw new OpException(n, "coordinate_transformation_mode " + ctm);
        boolean half = ctm.equals("half_pixel");
        int R = rois.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
        int oh = (int) n.i("output_height", 1), ow = (int) n.i("output_width", 1), ratio = (int) n.i("sampling_ratio", 0);
        double scale = n.f("spatial_scale", 1f), offset = half ? 0.5 : 0;
        if (rois.rank() != 2 || rois.shape[1] != 4 || batch.size() != R) throw new OpException(n, "rois must be [num_rois, 4] with one batch index each");
        double[] o = new double[R * C * oh * ow];
        for (int r = 0; r < R; r++) {
            long b = batch.getL(r);
            if (b < 0 || b >= x.shape[0]) throw new OpException(n, "batch index " + b + " is outside [0, " + x.shape[0] + ")");
            double sw = rois.getD(r * 4) * scale - offset, sh = rois.getD(r * 4 + 1) * scale - offset;
            double rw = rois.getD(r * 4 + 2) * scale - offset - sw, rh = rois.getD(r * 4 + 3) * scale - offset - sh;
            if (!half) {
                rw = StrictMath.max(rw, 1);
                rh = StrictMath.max(rh, 1);
            }
            double bh = rh / oh, bw = rw / ow;
            int gh = ratio > 0 ? ratio : (int) StrictMath.ceil(rh / oh), gw = ratio > 0 ? ratio : (int) StrictMath.ceil(rw / ow);
            double count = StrictMath.max(gh * gw, 1);
            for (int ch = 0; ch < C; ch++) {
                int plane = (int) ((b * C + ch) * H * W);
                for (int ph = 0; ph < oh; ph++) for (int pw = 0; pw < ow; pw++) {
                    double sum = 0;
                    for (int iy = 0; iy < gh; iy++) {
                        double y = sh + ph * bh + (iy + 0.5) * bh / gh;
                        for (int ix = 0; ix < gw; ix++) sum += bilinear(x, plane, H, W, y, sw + pw * bw + (ix + 0.5) * bw / gw);
                    }
                    o[((r * C + ch) * oh + ph) * ow + pw] = sum / count;
                }
            }
        }
        return new Arr[] {K.cast(Arr.doubles(new int[] {R, C, oh, ow}, o), x.dtype)};
    }

    /** The sample at (y, x): 0 outside [-1, H] x [-1, W], edges clamped, four weighted neighbours added in order. */
    private static double bilinear(Arr x, int plane, int H, int W, double y, double xx) {
        if (y < -1.0 || y > H || xx < -1.0 || xx > W) return 0;
        if (y <= 0) y = 0;
        if (xx <= 0) xx = 0;
        int yl = (int) y, xl = (int) xx, yh, xh;
        if (yl >= H - 1) {
            yh = yl = H - 1;
            y = yl;
        } else yh = yl + 1;
        if (xl >= W - 1) {
            xh = xl = W - 1;
            xx = xl;
        } else xh = xl + 1;
        double ly = y - yl, lx = xx - xl, hy = 1 - ly, hx = 1 - lx;
        return hy * hx * x.getD(plane + yl * W + xl) + hy * lx * x.getD(plane + yl * W + xh)
                + ly * hx * x.getD(plane + yh * W + xl) + ly * lx * x.getD(plane + yh * W + xh);
    }
}
