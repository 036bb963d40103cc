package io.verity.engine.det.graph;

/**
 * The arithmetic contract an engine computes with; its id goes into receipts, so two receipts of one id agree
 * bit for bit. Stated in full in the det package-info and docs/deterministic-engine.md.
 */
public enum Arithmetic {
    /** Products formed exactly in float64 and summed in float64 in ascending k, rounded once (also verity-det/1's). */
    DET2("verity-det/2"),
    /**
     * As DET2 except MatMul, Gemm, Conv and kernel-equals-stride ConvTranspose: float32 sums, one {@code Math.fma}
     * per k in ascending k from +0, the bias added after in one float32 addition; and Erf on float32 by fixed
     * polynomials ({@code Special.erf3}).
     */
    DET3("verity-det/3");

    private final String id;

    Arithmetic(String id) {
        this.id = id;
    }

    /** The engine id receipts carry. */
    public String id() {
        return id;
    }
}
