package io.verity.attestation.tdx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.attestation.Step;
import io.verity.attestation.internal.Certs;
import io.verity.attestation.internal.Failure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/**
 * TCB level matching on the real quotes and PCK certificates with edited (hence unsigned) TCB info and QE
 * identity, for the outcomes the signed collateral does not reach: lower levels, QE and TDX-module statuses,
 * combinations, identity mismatches. Signature checks of the collateral are covered by DcapVectorsTest.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class TcbMatchingTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static Path dir() {
        return io.verity.attestation.Vectors.dir();
    }

    record Input(Quote quote, X509Certificate pck, ObjectNode tcbInfo, ObjectNode qeIdentity) {
        Tcb.Result evaluate() {
            return Tcb.evaluate(quote, pck, tcbInfo, qeIdentity);
        }
    }

    static Input load(String quote, String collateral) throws Exception {
        Quote q = Quote.parse(Files.readAllBytes(dir().resolve(quote)));
        JsonNode col = JSON.readTree(Files.readString(dir().resolve(collateral)));
        return new Input(q, Certs.parsePem(q.pckChainPem).get(0),
                (ObjectNode) JSON.readTree(col.get("tcb_info").asText()),
                (ObjectNode) JSON.readTree(col.get("qe_identity").asText()));
    }

    static Input sgx() throws Exception {
        return load("sgx/phala-dcap-qvl-sgx-v3-quote.bin", "sgx/phala-dcap-qvl-sgx-v3-quote.collateral.json");
    }

    static Input tdx() throws Exception {
        return load("tdx/phala-dcap-qvl-tdx-v4-quote.bin", "tdx/phala-dcap-qvl-tdx-v4-quote.collateral.json");
    }

    @Test
    void unedited_collateral_gives_the_manifest_statuses() throws Exception {
        var s = sgx().evaluate();
        assertThat(s.status()).isEqualTo("ConfigurationAndSWHardeningNeeded");
        assertThat(s.advisories()).containsExactly("INTEL-SA-00289", "INTEL-SA-00615");
        var t = tdx().evaluate();
        assertThat(t.status()).isEqualTo("UpToDate");
        assertThat(t.moduleStatus()).contains("UpToDate");
        assertThat(t.advisories()).isEmpty();
    }

    @Test
    void without_the_matching_level_the_next_matching_one_decides() throws Exception {
        Input in = sgx();
        ((ArrayNode) in.tcbInfo().get("tcbLevels")).remove(1);
        var r = in.evaluate();
        assertThat(r.platformStatus()).isEqualTo("OutOfDateConfigurationNeeded");
        assertThat(r.status()).isEqualTo("OutOfDateConfigurationNeeded");
        assertThat(r.advisories()).containsExactly("INTEL-SA-00289", "INTEL-SA-00828", "INTEL-SA-00615");
    }

    @Test
    void an_out_of_date_qe_combines_with_a_configuration_status_and_adds_its_advisories() throws Exception {
        Input in = sgx();
        ((ArrayNode) in.qeIdentity().get("tcbLevels")).remove(0);
        var r = in.evaluate();
        assertThat(r.qeStatus()).isEqualTo("OutOfDate");
        assertThat(r.status()).isEqualTo("OutOfDateConfigurationNeeded");
        assertThat(r.advisories()).containsExactly("INTEL-SA-00289", "INTEL-SA-00615");
    }

    @Test
    void an_out_of_date_tdx_module_makes_the_quote_out_of_date() throws Exception {
        Input in = tdx();
        for (JsonNode m : in.tcbInfo().get("tdxModuleIdentities")) {
            if (m.get("id").asText().equals("TDX_01")) {
                ((ObjectNode) m.get("tcbLevels").get(0).get("tcb")).put("isvsvn", 7);
            }
        }
        var r = in.evaluate();
        assertThat(r.moduleStatus()).contains("OutOfDate");
        assertThat(r.status()).isEqualTo("OutOfDate");
    }

    @Test
    void mismatches_fail_the_tcb_status_step_naming_the_field() throws Exception {
        Input noLevels = sgx();
        noLevels.tcbInfo().putArray("tcbLevels");
        assertFails(noLevels, "no tcb_info.tcbLevels entry matches the platform (PCK components [11, 11, 2, 2, 255, 1,"
                + " 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], PCESVN 13)");
        Input signer = sgx();
        signer.qeIdentity().put("mrsigner", "00".repeat(32));
        assertFails(signer, "QE MRSIGNER 8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff differs from"
                + " qe_identity.mrsigner " + "00".repeat(32));
        Input fmspc = sgx();
        fmspc.tcbInfo().put("fmspc", "00A067110001");
        assertFails(fmspc, "PCK certificate FMSPC 00a067110000 differs from tcb_info.fmspc \"00A067110001\"");
        Input module = tdx();
        ((ArrayNode) module.tcbInfo().get("tdxModuleIdentities")).remove(1);
        assertFails(module, "tcb_info has no tdxModuleIdentities entry TDX_01 for TEE_TCB_SVN 06010300000000000000000000000000");
    }

    static void assertFails(Input in, String message) {
        assertThatThrownBy(in::evaluate).isInstanceOf(Failure.class).hasMessage(message)
                .satisfies(e -> assertThat(((Failure) e).step()).isEqualTo(Step.TCB_STATUS));
    }

    @Test
    void debug_attribute_bits_are_read_from_the_report_bodies() throws Exception {
        byte[] t1 = Files.readAllBytes(dir().resolve("tdx/phala-dcap-qvl-tdx-v4-quote.bin"));
        assertThat(Quote.parse(t1).debug()).isFalse();
        t1[48 + 120] |= 0x01; // TD_ATTRIBUTES.DEBUG
        assertThat(Quote.parse(t1).debug()).isTrue();
        byte[] s1 = Files.readAllBytes(dir().resolve("sgx/phala-dcap-qvl-sgx-v3-quote.bin"));
        assertThat(Quote.parse(s1).debug()).isFalse();
        s1[48 + 48] |= 0x02; // ATTRIBUTES.DEBUG
        assertThat(Quote.parse(s1).debug()).isTrue();
    }

    @Test
    void combining_statuses_takes_the_worse() {
        assertThat(Tcb.combine("UpToDate", "SWHardeningNeeded")).isEqualTo("SWHardeningNeeded");
        assertThat(Tcb.combine("Revoked", "UpToDate")).isEqualTo("Revoked");
        assertThat(Tcb.combine("OutOfDate", "ConfigurationNeeded")).isEqualTo("OutOfDateConfigurationNeeded");
        assertThatThrownBy(() -> Tcb.combine("Fine", "UpToDate")).hasMessage("unknown TCB status \"Fine\"");
    }
}
