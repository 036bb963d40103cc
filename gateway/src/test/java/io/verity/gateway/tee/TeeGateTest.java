package io.verity.gateway.tee;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.attestation.Attestations;
import io.verity.attestation.Bytes;
import io.verity.attestation.Facts;
import io.verity.attestation.MeasurementDigest;
import io.verity.attestation.Policy;
import io.verity.attestation.Verdict;
import io.verity.gateway.routing.NodeState;
import io.verity.gateway.routing.TestNodes;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.wire.Problem;
import io.verity.testing.TestPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TeeGate's decision after verification. Published evidence binds its publisher's key, never a Verity node's, so
 * the one positive case here uses a BINDING STUB: the real, verified N1 facts with user_data replaced by the node's
 * address. That verdict is not evidence of anything; it only shows that the gate admits a node once every check
 * passes. Nothing in the product builds such a verdict.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class TeeGateTest {
    static final Path N1 = TestPaths.attestationVectors().resolve("nitro/opengradient-og-evm-2026-02-12.b64");
    static final Instant N1_AT = Instant.parse("2026-02-12T18:00:00Z");
    static final Instant NOW = Instant.parse("2026-11-24T09:00:00Z");

    static Verdict.Valid n1() throws Exception {
        Verdict v = Attestations.verify(Files.readAllBytes(N1), Optional.empty(), Policy.defaults(), List.of(), N1_AT);
        assertThat(v.isValid()).as(v.toString()).isTrue();
        return (Verdict.Valid) v;
    }

    static Keccak256 measurement(Verdict.Valid v) {
        return Keccak256.wrap(MeasurementDigest.of(v.facts()).toArray());
    }

    static Verdict.Valid bindingStub(Verdict.Valid real, EvmAddress node) {
        Facts f = real.facts();
        Facts stub = new Facts(f.kind(), f.timestamp(), f.measurements(), f.reportData(), Optional.of(Bytes.of(node.toArray())),
                Optional.empty(), f.nonce(), f.debug(), f.tcbStatus(), f.advisories(), f.attributes());
        return new Verdict.Valid(real.kind(), stub, real.passed());
    }

    @Test
    void real_N1_on_the_allowlist_is_rejected_at_key_binding_for_any_verity_node() throws Exception {
        Verdict.Valid v = n1();
        EvmAddress node = TestNodes.node(1, 1, 0).address;
        TeeGate.Status s = TeeGate.decide(v, node, List.of(measurement(v)), NOW);
        assertThat(s).isInstanceOf(TeeGate.Status.Rejected.class);
        assertThat(((TeeGate.Status.Rejected) s).step()).isEqualTo("key-binding");
        assertThat(((TeeGate.Status.Rejected) s).reason()).startsWith("user_data[0..20) expected " + Bytes.of(node.toArray()));
    }

    @Test
    void evidence_whose_measurement_is_not_allowlisted_is_rejected_before_binding() throws Exception {
        Verdict.Valid v = n1();
        TeeGate.Status s = TeeGate.decide(v, TestNodes.node(1, 1, 0).address, List.of(Keccak256.hash(new byte[] {7})), NOW);
        assertThat(s).isEqualTo(new TeeGate.Status.Rejected("measurement-allowlist", "measurement digest " + measurement(v)
                + " of this nitro evidence is not on NodeRegistry's allowlist for nitro (1 allowed)"));
    }

    @Test
    void a_rejected_verdict_keeps_its_step() throws Exception {
        Verdict expired = Attestations.verify(Files.readAllBytes(N1), Optional.empty(), Policy.defaults(), List.of(), NOW);
        TeeGate.Status s = TeeGate.decide(expired, TestNodes.node(1, 1, 0).address, List.of(), NOW);
        assertThat(((TeeGate.Status.Rejected) s).step()).isEqualTo("cert-chain");
    }

    @Test
    void BINDING_STUB_a_node_passing_every_check_is_admitted_until_max_age_and_only_it() throws Exception {
        NodeState bound = TestNodes.node(1, 1, 0);
        NodeState local = TestNodes.node(2, 1, 0);
        Verdict.Valid v = bindingStub(n1(), bound.address);
        TeeGate.Status s = TeeGate.decide(v, bound.address, List.of(measurement(v)), NOW);
        assertThat(s).isEqualTo(new TeeGate.Status.Verified("nitro", measurement(v), NOW));

        TeeGate gate = new TeeGate(TeeSettings.NONE.withMaxAge(Duration.ofMinutes(30)), null, null, Duration.ofSeconds(1), null);
        gate.put(bound.address, s);
        gate.put(local.address, new TeeGate.Status.None());
        assertThat(gate.admitted(List.of(bound, local), NOW)).containsExactly(bound);
        assertThat(gate.admitted(List.of(bound, local), NOW.plus(Duration.ofMinutes(31)))).as("expired").isEmpty();
        bound.deregister();
        assertThat(gate.admitted(List.of(bound, local), NOW)).as("left the registry").isEmpty();
    }

    @Test
    void no_admitted_node_is_a_503_naming_each_node() {
        NodeState a = TestNodes.node(1, 1, 0);
        NodeState b = TestNodes.node(2, 1, 0);
        TeeGate gate = new TeeGate(TeeSettings.NONE, null, null, Duration.ofSeconds(1), null);
        gate.put(a.address, new TeeGate.Status.None());
        gate.put(b.address, new TeeGate.Status.Rejected("key-binding", "user_data[0..20) expected x, got y"));
        Problem p = gate.noneAdmitted(List.of(b, a)).problem();
        assertThat(p.status()).isEqualTo(503);
        assertThat(p.type()).isEqualTo("urn:verity:problem:no-attested-node");
        assertThat(p.detail()).isEqualTo("no node passes the tee policy (verified evidence bound to its key, allowlisted in"
                + " NodeRegistry, fresh); " + a.address + ": attestation none (no TEE evidence); " + b.address
                + ": attestation rejected at key-binding: user_data[0..20) expected x, got y");
        assertThat(p.errors()).extracting(FieldError::pointer).containsExactly("/nodes/" + a.address, "/nodes/" + b.address);
    }

    @Test
    void a_tee_policy_file_may_not_pin_one_key_binding_for_all_nodes(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("tee.json"), "{\"keyBinding\":\"0x" + "ab".repeat(20) + "\"}");
        assertThatThrownBy(() -> TeeSettings.fromFile(f)).hasMessage("--tee-policy " + f + ": the tee policy must not set"
                + " keyBinding: the gateway binds each node's own address (docs/attestation.md)");
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"allowDebugg\":true}");
        assertThatThrownBy(() -> TeeSettings.fromFile(bad)).hasMessageStartingWith("--tee-policy " + bad + ": ")
                .hasMessageContaining("allowDebugg");
    }
}
