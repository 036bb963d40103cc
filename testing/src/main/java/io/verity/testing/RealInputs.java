package io.verity.testing;

import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded, realistic inputs for {@link RealModels}, shaped and normalised the way each model's upstream
 * pipeline feeds it, so outputs are meaningful rather than merely well-shaped.
 *
 * <ul>
 *   <li>VAD: one 32 ms window (512 samples at 16 kHz) of a 440 Hz tone at amplitude 0.5 plus Gaussian noise
 *       (sigma 0.01), zero recurrent state, sample rate 16000.
 *   <li>OCR: black text (DejaVu/the JVM's SansSerif) drawn on a white background, converted to CHW float32
 *       with PaddleOCR's normalisation: det uses ImageNet mean/std, cls and rec use (x/255 - 0.5) / 0.5.
 * </ul>
 */
public final class RealInputs {
    public static final int VAD_WINDOW = 512;
    public static final long VAD_SAMPLE_RATE = 16_000;

    private RealInputs() {}

    /** Inputs for {@link RealModels#sileroVadLegacy()}: input[1, 512], sr, h[2, 1, 64], c[2, 1, 64]. */
    public static List<Tensor> sileroVadLegacy(long seed) {
        return List.of(
                Tensor.ofFloats("input", Shape.of(1, VAD_WINDOW), tone(seed)),
                Tensor.ofLongs("sr", Shape.of(), VAD_SAMPLE_RATE),
                Tensor.ofFloats("h", Shape.of(2, 1, 64), new float[2 * 64]),
                Tensor.ofFloats("c", Shape.of(2, 1, 64), new float[2 * 64]));
    }

    /** Inputs for {@link RealModels#sileroVadV5()}: input[1, 512], state[2, 1, 128], sr. */
    public static List<Tensor> sileroVadV5(long seed) {
        return List.of(
                Tensor.ofFloats("input", Shape.of(1, VAD_WINDOW), tone(seed)),
                Tensor.ofFloats("state", Shape.of(2, 1, 128), new float[2 * 128]),
                Tensor.ofLongs("sr", Shape.of(), VAD_SAMPLE_RATE));
    }

    /** 512 samples of a 440 Hz tone (amplitude 0.5, random phase) plus N(0, 0.01) noise. */
    public static float[] tone(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double phase = rnd.nextDouble(2 * Math.PI);
        float[] x = new float[VAD_WINDOW];
        for (int i = 0; i < x.length; i++) {
            double t = i / (double) VAD_SAMPLE_RATE;
            x[i] = (float) (0.5 * StrictMath.sin(2 * Math.PI * 440 * t + phase) + 0.01 * gaussian(rnd));
        }
        return x;
    }

    /** Input x[1, 3, 48, 192] for {@link RealModels#paddleOcrCls()}: an upright text line. */
    public static List<Tensor> paddleOcrCls(String text) {
        return List.of(Tensor.ofFloats("x", Shape.of(1, 3, 48, 192), chw(render(text, 192, 48), HALF, HALF)));
    }

    /**
     * Input x[1, 3, height, width] for {@link RealModels#paddleOcrDet()}: a page with one text line.
     *
     * @throws IllegalArgumentException when height or width is not a positive multiple of 32 (the detector
     *     downsamples by 32)
     */
    public static List<Tensor> paddleOcrDet(String text, int height, int width) {
        requireMultipleOf32("height", height);
        requireMultipleOf32("width", width);
        float[] mean = {0.485f, 0.456f, 0.406f};
        float[] std = {0.229f, 0.224f, 0.225f};
        return List.of(Tensor.ofFloats("x", Shape.of(1, 3, height, width),
                chw(render(text, width, height), mean, std)));
    }

    /**
     * Input x[1, 3, 48, width] for {@link RealModels#paddleOcrRec()}: one text line.
     *
     * @throws IllegalArgumentException when width is not between 48 and 4096
     */
    public static List<Tensor> paddleOcrRec(String text, int width) {
        if (width < 48 || width > 4096) {
            throw new IllegalArgumentException("width must be between 48 and 4096, got " + width);
        }
        return List.of(Tensor.ofFloats("x", Shape.of(1, 3, 48, width), chw(render(text, width, 48), HALF, HALF)));
    }

    private static final float[] HALF = {0.5f, 0.5f, 0.5f};

    private static void requireMultipleOf32(String field, int v) {
        if (v <= 0 || v % 32 != 0 || v > 4096) {
            throw new IllegalArgumentException(field + " must be a positive multiple of 32 up to 4096, got " + v);
        }
    }

    /** Black text, vertically centred and left-aligned with a small margin, filling ~70% of the height. */
    static BufferedImage render(String text, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            int lineHeight = Math.min(height, 48);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(8, lineHeight * 7 / 10)));
            g.setColor(Color.BLACK);
            var fm = g.getFontMetrics();
            int baseline = (height - fm.getHeight()) / 2 + fm.getAscent();
            g.drawString(text, Math.max(2, lineHeight / 8), baseline);
        } finally {
            g.dispose();
        }
        return img;
    }

    /**
     * RGB image to planar float32 [3, H, W] with (x / 255 - mean[c]) / std[c]. PaddleOCR feeds BGR (OpenCV)
     * planes; the images here are grey (R = G = B), so the channel order makes no difference.
     */
    static float[] chw(BufferedImage img, float[] mean, float[] std) {
        int w = img.getWidth();
        int h = img.getHeight();
        float[] out = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                int[] c = {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
                for (int ch = 0; ch < 3; ch++) {
                    out[ch * h * w + y * w + x] = (c[ch] / 255f - mean[ch]) / std[ch];
                }
            }
        }
        return out;
    }

    /** Box-Muller with StrictMath so the noise is the same on every JVM. */
    private static double gaussian(SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble(); // (0, 1]
        double u2 = rnd.nextDouble();
        return StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2);
    }
}
