package io.verity.engine.det.ops.math;

import io.verity.engine.det.graph.K;
import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.graph.KernelContext;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.graph.OpException;
import io.verity.engine.det.tensor.Arr;
import java.util.Map;

/**
 * DFT and STFT (opset 17: axis attribute, optional dft_length input), by the definition rather than an FFT so that the
 * order is fixed: {@code X[k] = sum_j x[j] * e^(-+2 pi i jk/n)}, each twiddle {@code StrictMath.cos/sin(2 pi *
 * (jk mod n) / n)} in float64, the complex products added in float64 in ascending j, the inverse divided by n,
 * then one rounding to the input's type. O(n^2) per signal: meant for the short signals of feature extraction.
 */
public final class Fourier {
    private Fourier() {}

    public static void register(Map<String, Kernel> m) {
        m.put("DFT", Fourier::dft);
        m.put("STFT", Fourier::stft);
        m.put("MelWeightMatrix", Fourier::melWeights);
    }

    /**
     * MelWeightMatrix (opset 17), as the ONNX reference computes it: num_mel_bins + 2 points in mel from the
     * lower edge, (upper - lower) / (num_mel_bins + 2) apart (mel = 2595 log10(1 + hz / 700), StrictMath in
     * float64), mapped back to hertz and to spectrogram bins {@code floor((dft_length + 1) * hz / sample_rate)},
     * then triangles of exact ratios of small integers; [dft_length / 2 + 1, num_mel_bins] of output_datatype.
     */
    private static Arr[] melWeights(Op n, Arr[] in, KernelContext c) {
        int mels = Math.toIntExact(in[0].getL(0)), dft = Math.toIntExact(in[1].getL(0));
        double rate = in[2].getD(0), lo = in[3].getD(0), hi = in[4].getD(0);
        if (mels < 1 || dft < 1 || !(rate > 0)) throw new OpException(n, "num_mel_bins, dft_length and sample_rate must be positive");
        int spec = dft / 2 + 1;
        double loMel = 2595 * StrictMath.log10(1 + lo / 700), hiMel = 2595 * StrictMath.log10(1 + hi / 700);
        double step = (hiMel - loMel) / (mels + 2); // the reference's step: the span over num_mel_bins + 2, not + 1
        int[] bin = new int[mels + 2];
        for (int i = 0; i < bin.length; i++) {
            double hz = 700 * (StrictMath.pow(10, (i * step + loMel) / 2595) - 1);
            bin[i] = (int) StrictMath.floor((dft + 1) * hz / rate);
        }
        double[] o = new double[spec * mels];
        for (int i = 0; i < mels; i++) {
            int left = bin[i], center = bin[i + 1], right = bin[i + 2];
            if (left < 0 || right >= spec + 1 || center >= spec) throw new OpException(n, "mel bins fall outside the spectrogram's " + spec + " bins");
            if (center == left) o[center * mels + i] = 1;
            else for (int j = left; j <= center; j++) o[j * mels + i] = (double) (j - left) / (center - left);
            for (int j = center; j < right; j++) o[j * mels + i] = (double) (right - j) / (right - center);
        }
        return new Arr[] {K.cast(Arr.doubles(new int[] {spec, mels}, o), K.dtypeOf(n, n.i("output_datatype", 1)))};
    }

    /**
     * STFT (opset 17): frame f of signal[batch, length, 1 or 2] starts at f * frame_step; each of its samples is
     * multiplied by the window's value in float64 (exact for float32 operands), then transformed as DFT does;
     * output [batch, frames, bins, 2].
     */
    private static Arr[] stft(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0], stepIn = in[1], window = K.opt(in, 2), lenIn = K.opt(in, 3);
        if (!x.isFloat() || x.rank() != 3) throw new OpException(n, "signal must be float [batch, length, 1 or 2], got " + x);
        int batch = x.shape[0], len = x.shape[1], comp = x.shape[2];
        int step = Math.toIntExact(stepIn.getL(0));
        int L = window != null ? window.size() : lenIn != null ? Math.toIntExact(lenIn.getL(0)) : -1;
        if (L < 1 || step < 1 || L > len) throw new OpException(n, "frame length " + L + " and step " + step + " do not fit a signal of " + len);
        if (window != null && lenIn != null && lenIn.getL(0) != L) throw new OpException(n, "frame_length differs from the window's length");
        boolean onesided = n.i("onesided", 1) != 0;
        int frames = (len - L) / step + 1, bins = onesided ? L / 2 + 1 : L;
        double[][] tw = twiddles(L, -1);
        double[] o = new double[batch * frames * bins * 2];
        for (int b = 0; b < batch; b++) for (int f = 0; f < frames; f++) for (int k = 0; k < bins; k++) {
            c.checkStopped(); // quadratic in the frame: a long one must not outlive a stop
            double re = 0, im = 0;
            for (int j = 0; j < L; j++) {
                int at = (b * len + f * step + j) * comp;
                double w = window == null ? 1 : window.getD(j);
                double xr = x.getD(at) * w, xi = comp == 2 ? x.getD(at + 1) * w : 0;
                int t = (int) ((long) j * k % L);
                re += xr * tw[0][t] - xi * tw[1][t];
                im += xr * tw[1][t] + xi * tw[0][t];
            }
            int to = ((b * frames + f) * bins + k) * 2;
            o[to] = re;
            o[to + 1] = im;
        }
        return new Arr[] {K.cast(Arr.doubles(new int[] {batch, frames, bins, 2}, o), x.dtype)};
    }

    /** cos and sign * sin of 2 pi t / L for t in [0, L), in float64 with StrictMath. */
    private static double[][] twiddles(int L, double sign) {
        double[] cos = new double[L], sin = new double[L];
        for (int t = 0; t < L; t++) {
            double th = 2 * StrictMath.PI * t / L;
            cos[t] = StrictMath.cos(th);
            sin[t] = sign * StrictMath.sin(th);
        }
        return new double[][] {cos, sin};
    }

    private static Arr[] dft(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0];
        if (n.opset >= 20) throw new OpException(n, "DFT-20 (axis as an input) is not supported; expected opset 17..19");
        if (!x.isFloat()) throw new OpException(n, "input must be float32 or float64, got " + x.dtype.wireName());
        int r = x.rank(), comp = x.shape[r - 1];
        if (r < 3 || (comp != 1 && comp != 2)) throw new OpException(n, "input must be [batch, signal..., 1 or 2], got rank " + r);
        int axis = K.axis(n, n.i("axis", 1), r);
        if (axis == 0 || axis == r - 1) throw new OpException(n, "axis must be a signal axis, got " + n.i("axis", 1));
        boolean inverse = n.i("inverse", 0) != 0, onesided = n.i("onesided", 0) != 0;
        if (inverse && onesided) throw new OpException(n, "inverse with onesided is not supported");
        Arr lenIn = K.opt(in, 1);
        int len = x.shape[axis], L = lenIn == null ? len : Math.toIntExact(lenIn.getL(0));
        if (L < 1) throw new OpException(n, "dft_length must be >= 1, got " + L);
        int outLen = onesided ? L / 2 + 1 : L;
        int[] shape = x.shape.clone();
        shape[axis] = outLen;
        shape[r - 1] = 2;
        int outer = 1, inner = 1;
        for (int a = 0; a < axis; a++) outer *= x.shape[a];
        for (int a = axis + 1; a < r - 1; a++) inner *= x.shape[a];
        double[][] tw = twiddles(L, inverse ? 1 : -1);
        double[] cos = tw[0], sin = tw[1];
        double[] o = new double[outer * outLen * inner * 2];
        int take = Math.min(len, L);
        for (int b = 0; b < outer; b++) for (int i = 0; i < inner; i++) for (int k = 0; k < outLen; k++) {
            c.checkStopped(); // quadratic in the signal: a long one must not outlive a stop
            double re = 0, im = 0;
            for (int j = 0; j < take; j++) {
                int at = ((b * len + j) * inner + i) * comp;
                double xr = x.getD(at), xi = comp == 2 ? x.getD(at + 1) : 0;
                int t = (int) ((long) j * k % L);
                re += xr * cos[t] - xi * sin[t]; // (xr + i xi)(cos + i sin), sin already signed
                im += xr * sin[t] + xi * cos[t];
            }
            if (inverse) {
                re /= L;
                im /= L;
            }
            int to = ((b * outLen + k) * inner + i) * 2;
            o[to] = re;
            o[to + 1] = im;
        }
        return new Arr[] {K.cast(Arr.doubles(shape, o), x.dtype)};
    }
}
