package io.verity.protocol.tensor;

import java.util.List;

/**
 * The one element-wise comparison of two answers' tensors within an absolute/relative tolerance, shared by
 * gateways ({@code redundant:k}, audits) and committee members judging a dispute under a model's on-chain rule:
 * every tensor has the same name, type and shape, non-float tensors are equal, and float elements satisfy
 * {@code |a − b| <= abs + rel·|b|} (NaN only matches NaN), {@code b} being the reference.
 */
public final class TensorComparison {
    private TensorComparison() {}

    /** Whether {@code a} agrees with the reference {@code b} within {@code abs} and {@code rel}. */
    public static boolean within(List<Tensor> a, List<Tensor> b, double abs, double rel) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) if (!within(a.get(i), b.get(i), abs, rel)) return false;
        return true;
    }

    private static boolean within(Tensor a, Tensor b, double abs, double rel) {
        if (!a.name().equals(b.name()) || a.dtype() != b.dtype() || !a.shape().equals(b.shape())) return false;
        if (a.dtype() == DType.FLOAT32) {
            float[] x = a.floats(), y = b.floats();
            for (int i = 0; i < x.length; i++) if (!close(x[i], y[i], abs, rel)) return false;
            return true;
        }
        if (a.dtype() == DType.FLOAT64) {
            double[] x = a.doubles(), y = b.doubles();
            for (int i = 0; i < x.length; i++) if (!close(x[i], y[i], abs, rel)) return false;
            return true;
        }
        return a.equals(b);
    }

    private static boolean close(double x, double y, double abs, double rel) {
        if (Double.isNaN(x) || Double.isNaN(y)) return Double.isNaN(x) && Double.isNaN(y);
        if (x == y) return true;
        return Math.abs(x - y) <= abs + rel * Math.abs(y);
    }
}
