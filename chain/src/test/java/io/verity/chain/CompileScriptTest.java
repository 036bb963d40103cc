package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.testing.TestPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The build's Solidity step (src/main/js/compile.mjs) on small inputs. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class CompileScriptTest {
    record Run(int exit, String output) {}

    static Run compile(Path src, Path out) throws Exception {
        Process p = new ProcessBuilder("node", TestPaths.repoRoot().resolve("chain/src/main/js/compile.mjs").toString(),
                src.toString(), out.toString(), TestPaths.nodeModules().toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), output);
    }

    @Test
    void a_compile_error_fails_with_solcs_message_and_writes_nothing(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("Broken.sol"), "pragma solidity ^0.8.24;\ncontract Broken { function f( }\n");
        Run run = compile(src, dir.resolve("out"));
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.output()).contains("ParserError").contains("Broken.sol:2").contains("1 error(s)");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void a_contract_importing_openzeppelin_compiles_to_abi_and_bytecode(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("Hasher.sol"), """
                pragma solidity ^0.8.24;
                import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
                contract Hasher {
                    function check(bytes32[] calldata p, bytes32 root, bytes32 leaf) external pure returns (bool) {
                        return MerkleProof.verifyCalldata(p, root, leaf);
                    }
                }
                """);
        Run run = compile(src, dir.resolve("out"));
        assertThat(run.exit()).as(run.output()).isZero();
        JsonNode artifact = new ObjectMapper().readTree(dir.resolve("out/Hasher.json").toFile());
        assertThat(artifact.get("abi").get(0).get("name").asText()).isEqualTo("check");
        assertThat(artifact.get("bytecode").asText()).startsWith("0x6080");
        assertThat(artifact.get("compiler").asText()).startsWith("solc-js 0.8.37");
        assertThat(dir.resolve("out/MerkleProof.json")).as("internal-only libraries are not artifacts").doesNotExist();
    }
}
