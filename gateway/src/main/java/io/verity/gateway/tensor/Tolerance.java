package io.verity.gateway.tensor;

import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Tensor;
import java.util.List;

/**
 * When two floating-point engines' answers count as the same: every tensor has the same name, type and
 * shape, non-float tensors are equal, and float elements satisfy {@code |a − b| <= abs + rel·|b|} (NaN
 * only matches NaN). Deterministic engines are compared by outputs digest alone, bit for bit.
 */
public record Tolerance(double abs, double rel) {
    public static final Tolerance DEFAULT = new Tolerance(1e-5, 1e-4);

    public Tolerance {
        if (!(abs >= 0 && rel >= 0)) throw new IllegalArgumentException("tolerance must be >= 0, got abs=" + abs + " rel=" + rel);
    }

    String describe() {
        return "tolerance:abs=" + abs + ",rel=" + rel;
    }

    boolean same(List<Tensor> a, List<Tensor> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) if (!same(a.get(i), b.get(i))) return false;
        return true;
    }

    private boolean same(Tensor a, Tensor b) {
        if (!a.name().equals(b.name()) || a.dtype() != b.dtype() || !a.shape().equals(b.shape())) return false;
        if (a.dtype() == DType.FLOAT32) {
            float[] x = a.floats(), y = b.floats();
            for (int i = 0; i < x.length; i++) if (!close(x[i], y[i])) return false;
            return true;
        }
        if (a.dtype() == DType.FLOAT64) {
            double[] x = a.doubles(), y = b.doubles();
            for (int i = 0; i < x.length; i++) if (!close(x[i], y[i])) return false;
            return true;
        }
        return a.equals(b);
    }

    private boolean close(double x, double y) {
        if (Double.isNaN(x) || Double.isNaN(y)) return Double.isNaN(x) && Double.isNaN(y);
        if (x == y) return true;
        return Math.abs(x - y) <= abs + rel * Math.abs(y);
    }
}
