package io.verity.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.testing.TestPaths;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code verity attest verify} in-process on the shared real evidence; exit codes 0 / 1 / 2. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class AttestCommandTest {
    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static String vector(String rel) {
        Path primary = TestPaths.shared().resolve("vectors/attestation");
        Path dir = primary;
        if (!Files.isDirectory(primary)) {
            for (Path p = TestPaths.repoRoot(); p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("shared/vectors/attestation"))) {
                    dir = p.resolve("shared/vectors/attestation");
                    break;
                }
            }
        }
        return dir.resolve(rel).toString();
    }

    @Test
    void a_valid_nitro_document_exits_0_and_prints_what_was_checked() {
        Run r = run("attest", "verify", vector("nitro/opengradient-og-evm-2026-02-12.b64"), "--at", "2026-02-12T18:00:00Z");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).startsWith("valid: nitro evidence, verified as of 2026-02-12T18:00:00Z")
                .contains("checked: parse, cert-chain, signature, debug")
                .contains("module_id: i-0340e0cb833504eb6-enc019c12d31f78864d");
    }

    @Test
    void a_debug_document_exits_1_naming_the_debug_step() {
        Run r = run("attest", "verify", vector("nitro/evervault-2022-10-12-debug.cbor"), "--at", "2022-10-12T13:50:07Z");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).startsWith("rejected at debug: PCR0, PCR1 and PCR2 are all zero")
                .contains("passed: parse, cert-chain, signature");
    }

    @Test
    void an_expired_document_checked_now_exits_1_at_cert_chain() {
        Run r = run("attest", "verify", vector("nitro/anjuna-2021-03-17-prod.cbor"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).startsWith("rejected at cert-chain:");
    }

    @Test
    void sev_snp_with_its_certificates_and_a_policy_file_exits_0() throws Exception {
        Path policy = tmp.resolve("policy.json");
        Files.writeString(policy, """
                {"measurements": {"MEASUREMENT": "0x7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f"},
                 "allowDebug": false}""");
        Run r = run("attest", "verify", vector("sev-snp/virtee-milan-report.hex"),
                "--with", vector("sev-snp/virtee-milan-vcek.der"), "--with", vector("sev-snp/amd-milan-ask.pem"),
                "--with", vector("sev-snp/amd-milan-ark.pem"), "--policy", policy.toString(), "--at", "2024-01-01T00:00:00Z");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("checked: parse, cert-chain, signature, tcb-binding, debug, measurement-policy");
    }

    @Test
    void a_policy_with_another_measurement_exits_1_at_measurement_policy() throws Exception {
        Path policy = tmp.resolve("policy.json");
        Files.writeString(policy, "{\"measurements\": {\"MRTD\": \"0x" + "00".repeat(48) + "\"}}");
        Run r = run("attest", "verify", vector("tdx/phala-dcap-qvl-tdx-v4-quote.bin"),
                "--with", vector("tdx/phala-dcap-qvl-tdx-v4-quote.collateral.json"),
                "--policy", policy.toString(), "--at", "2025-07-19T10:00:34Z");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).startsWith("rejected at measurement-policy: measurement MRTD expected 0x" + "00".repeat(48));
    }

    @Test
    void sgx_under_the_default_policy_exits_1_at_tcb_status_with_the_advisories() {
        Run r = run("attest", "verify", vector("sgx/phala-dcap-qvl-sgx-v3-quote.bin"),
                "--with", vector("sgx/phala-dcap-qvl-sgx-v3-quote.collateral.json"), "--at", "2025-07-19T10:01:17Z");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).startsWith("rejected at tcb-status: TCB status ConfigurationAndSWHardeningNeeded")
                .contains("advisories: INTEL-SA-00289, INTEL-SA-00615");
    }

    @Test
    void a_bad_time_exits_2_with_a_message_naming_the_option() {
        Run r = run("attest", "verify", vector("nitro/anjuna-2021-03-17-prod.cbor"), "--at", "yesterday");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--at must be an ISO-8601 instant like 2026-02-12T18:00:00Z, got yesterday");
    }

    @Test
    void a_missing_file_or_argument_or_bad_policy_exits_2() throws Exception {
        assertThat(run("attest", "verify", tmp.resolve("nope.bin").toString()).exit()).isEqualTo(2);
        assertThat(run("attest", "verify").exit()).isEqualTo(2);
        Path policy = tmp.resolve("typo.json");
        Files.writeString(policy, "{\"alowDebug\": true}");
        Run r = run("attest", "verify", vector("nitro/anjuna-2021-03-17-prod.cbor"), "--policy", policy.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("policy field \"alowDebug\" is unknown");
    }
}
