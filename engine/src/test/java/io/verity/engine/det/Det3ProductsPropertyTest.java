package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * verity-det/3's product kernels (Vector API lanes, register blocks, tails, tiles, conv taps and padding, threads)
 * give the bits of a straightforward reference of the same contract: per output, {@code s = Math.fma(a, b, s)}
 * over k ascending from +0, then {@code s + bias}. Sizes are odd on purpose, so every block has tails.
 */
class Det3ProductsPropertyTest {

    @Property(tries = 40)
    void matmul_equals_the_reference(@ForAll @IntRange(min = 1, max = 70) int m, @ForAll @IntRange(min = 1, max = 90) int k,
            @ForAll @IntRange(min = 1, max = 600) int n, @ForAll @IntRange(min = 1, max = 3) int batch, @ForAll long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = random(r, batch * m * k), b = random(r, k * n);
        float[] want = new float[batch * m * n];
        for (int q = 0; q < batch; q++) for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) {
            float s = 0f;
            for (int t = 0; t < k; t++) s = Math.fma(a[(q * m + i) * k + t], b[t * n + j], s);
            want[(q * m + i) * n + j] = s;
        }
        OnnxBuilder g = new OnnxBuilder().input("a", 1, batch, m, k).input("b", 1, k, n).output("y", 1);
        g.add(g.node("MatMul", new String[] {"a", "b"}, new String[] {"y"}));
        assertThat(run(g, List.of(Tensor.ofFloats("a", Shape.of(batch, m, k), a), Tensor.ofFloats("b", Shape.of(k, n), b))))
                .containsExactly(want);
    }

    @Property(tries = 60)
    void conv_equals_the_reference(@ForAll @IntRange(min = 1, max = 3) int groups, @ForAll @IntRange(min = 1, max = 5) int cg,
            @ForAll @IntRange(min = 1, max = 9) int mg, @ForAll @IntRange(min = 1, max = 23) int h, @ForAll @IntRange(min = 1, max = 40) int w,
            @ForAll @IntRange(min = 1, max = 5) int kh, @ForAll @IntRange(min = 1, max = 5) int kw, @ForAll @IntRange(min = 1, max = 2) int stride,
            @ForAll @IntRange(min = 0, max = 2) int pad, @ForAll @IntRange(min = 1, max = 2) int dil, @ForAll boolean bias,
            @ForAll boolean depthwise, @ForAll long seed) throws Exception {
        if (depthwise) { cg = 1; mg = 1; }
        int c = groups * cg, mOut = groups * mg;
        int oh = Math.floorDiv(h + 2 * pad - dil * (kh - 1) - 1, stride) + 1, ow = Math.floorDiv(w + 2 * pad - dil * (kw - 1) - 1, stride) + 1;
        if (oh < 1 || ow < 1) return;
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = random(r, c * h * w), wt = random(r, mOut * cg * kh * kw), bv = random(r, mOut);
        float[] want = new float[mOut * oh * ow];
        for (int o = 0; o < mOut; o++) {
            int gi = o / mg;
            for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++) {
                float s = 0f;
                for (int ch = 0; ch < cg; ch++) for (int ky = 0; ky < kh; ky++) for (int kx = 0; kx < kw; kx++) {
                    int iy = oy * stride - pad + ky * dil, ix = ox * stride - pad + kx * dil;
                    float v = iy < 0 || iy >= h || ix < 0 || ix >= w ? 0f : x[((gi * cg + ch) * h + iy) * w + ix];
                    s = Math.fma(wt[((o * cg + ch) * kh + ky) * kw + kx], v, s); // im2col order, padding as zeros
                }
                want[(o * oh + oy) * ow + ox] = bias ? s + bv[o] : s;
            }
        }
        OnnxBuilder g = new OnnxBuilder().input("x", 1, 1, c, h, w).output("y", 1)
                .floats("w", new long[] {mOut, cg, kh, kw}, wt).floats("bias", new long[] {mOut}, bv);
        g.add(g.node("Conv", bias ? new String[] {"x", "w", "bias"} : new String[] {"x", "w"}, new String[] {"y"})
                .addAttribute(OnnxBuilder.intAttr("group", groups)).addAttribute(OnnxBuilder.intsAttr("strides", stride, stride))
                .addAttribute(OnnxBuilder.intsAttr("pads", pad, pad, pad, pad)).addAttribute(OnnxBuilder.intsAttr("dilations", dil, dil))
                .addAttribute(OnnxBuilder.intsAttr("kernel_shape", kh, kw)));
        assertThat(run(g, List.of(Tensor.ofFloats("x", Shape.of(1, c, h, w), x)))).containsExactly(want);
    }

    /** Few output pixels and many channels (Silero's STFT): the transposed product, lanes along the channels. */
    @Property(tries = 15)
    void conv_with_few_pixels_and_many_channels_equals_the_reference(@ForAll @IntRange(min = 1, max = 4) int cg,
            @ForAll @IntRange(min = 17, max = 70) int mg, @ForAll @IntRange(min = 1, max = 9) int w, @ForAll @IntRange(min = 1, max = 3) int kw,
            @ForAll boolean bias, @ForAll long seed) throws Exception {
        conv_equals_the_reference(1, cg, mg, 1, w, 1, kw, 1, 0, 1, bias, false, seed);
    }

    @Property(tries = 20)
    void gemm_equals_the_reference(@ForAll @IntRange(min = 1, max = 9) int m, @ForAll @IntRange(min = 1, max = 70) int k,
            @ForAll @IntRange(min = 1, max = 70) int n, @ForAll long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = random(r, m * k), b = random(r, k * n), c = random(r, n);
        float[] want = new float[m * n];
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) {
            float s = 0f;
            for (int t = 0; t < k; t++) s = Math.fma(a[i * k + t], b[t * n + j], s);
            want[i * n + j] = (float) (1.0 * s + 1.0 * c[j]); // Gemm: alpha * sum + beta * C in float64, one rounding
        }
        OnnxBuilder g = new OnnxBuilder().input("a", 1, m, k).output("y", 1).floats("b", new long[] {k, n}, b).floats("c", new long[] {n}, c);
        g.add(g.node("Gemm", new String[] {"a", "b", "c"}, new String[] {"y"}));
        assertThat(run(g, List.of(Tensor.ofFloats("a", Shape.of(m, k), a)))).containsExactly(want);
    }

    /** Values of varied magnitude and sign (so sums cancel and round), and some exact zeros. */
    static float[] random(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = r.nextInt(10) == 0 ? 0f : (float) ((r.nextDouble() - 0.5) * StrictMath.pow(2, r.nextInt(-6, 6)));
        return v;
    }

    /** The output on one thread, after checking that a 3-thread engine splitting every loop gives the same bits. */
    static float[] run(OnnxBuilder g, List<Tensor> in) throws Exception {
        Path dir = Files.createTempDirectory("verity-det3");
        try (DeterministicEngine one = DeterministicEngine.create(1, false, DeterministicEngine.ID_V3);
                DeterministicEngine split = DeterministicEngine.splittingEverything(3, DeterministicEngine.ID_V3)) {
            OnnxBuilder.Written w = g.write(dir);
            float[] y = one.load(w.digest(), w.file()).run(in).outputs().get(0).floats();
            assertThat(split.load(w.digest(), w.file()).run(in).outputs().get(0).floats()).containsExactly(y);
            return y;
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
