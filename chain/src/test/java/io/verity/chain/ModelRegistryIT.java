package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.chain.contracts.ComparisonRule;
import io.verity.chain.contracts.ModelInfo;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(ReplaceUnderscores.class)
class ModelRegistryIT extends DevnetTestBase {
    static final Keccak256 DIGEST = Keccak256.hash("model bytes".getBytes());

    @Test
    void register_records_owner_manifest_name_and_version() {
        var e = models(1).register(DIGEST, "http://hub/models/x.json", "ppocr-det", "4.0").confirmed().event("ModelRegistered");
        assertThat(e.<Keccak256>arg("digest")).isEqualTo(DIGEST);
        assertThat(e.<EvmAddress>arg("owner")).isEqualTo(addr(1));
        ModelInfo m = models(0).model(DIGEST).orElseThrow();
        assertThat(m.owner()).isEqualTo(addr(1));
        assertThat(m.manifestUri()).isEqualTo("http://hub/models/x.json");
        assertThat(m.name()).isEqualTo("ppocr-det");
        assertThat(m.version()).isEqualTo("4.0");
        assertThat(models(0).modelCount()).isEqualTo(1);
        assertThat(models(0).modelAt(0)).isEqualTo(DIGEST);
    }

    @Test
    void register_rejects_zero_digests_empty_names_and_uris_and_taken_digests() {
        assertReverted(models(1).register(Keccak256.ZERO, "u", "n", "v"), "ZeroDigest");
        assertReverted(models(1).register(DIGEST, "u", "", "v"), "EmptyName");
        assertReverted(models(1).register(DIGEST, "", "n", "v"), "EmptyManifestUri");
        models(1).register(DIGEST, "u", "n", "v").confirmed();
        assertReverted(models(2).register(DIGEST, "u2", "n", "v"), "ModelAlreadyRegistered", DIGEST, addr(1));
    }

    @Test
    void only_the_owner_updates_the_manifest_or_transfers_the_model() {
        models(1).register(DIGEST, "u", "n", "v").confirmed();
        assertReverted(models(2).updateManifest(DIGEST, "evil"), "NotModelOwner", DIGEST, addr(2), addr(1));
        assertReverted(models(1).updateManifest(DIGEST, ""), "EmptyManifestUri");
        assertReverted(models(1).updateManifest(Keccak256.hash(new byte[] {7}), "u"), "UnknownModel", Keccak256.hash(new byte[] {7}));
        var updated = models(1).updateManifest(DIGEST, "u2").confirmed().event("ManifestUpdated");
        assertThat(updated.<String>arg("manifestUri")).isEqualTo("u2");

        assertReverted(models(2).transfer(DIGEST, addr(2)), "NotModelOwner", DIGEST, addr(2), addr(1));
        assertReverted(models(1).transfer(DIGEST, EvmAddress.ZERO), "ZeroAddress");
        var moved = models(1).transfer(DIGEST, addr(2)).confirmed().event("ModelTransferred");
        assertThat(moved.<EvmAddress>arg("to")).isEqualTo(addr(2));
        assertThat(models(0).model(DIGEST).orElseThrow().owner()).isEqualTo(addr(2));
        models(2).updateManifest(DIGEST, "u3").confirmed();
    }

    @Test
    void unknown_models_are_empty_and_indexes_past_the_end_are_refused() {
        assertThat(models(0).model(DIGEST)).isEmpty();
        assertThatThrownBy(() -> models(0).modelAt(0))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> {
                    assertThat(e.errorName()).isEqualTo("IndexOutOfRange");
                    assertThat(e.args()).containsExactly(BigInteger.ZERO, BigInteger.ZERO);
                });
    }

    @Test
    void a_model_without_a_rule_reads_none_and_the_owner_sets_each_kind_with_an_event() {
        models(1).register(DIGEST, "u", "n", "v").confirmed();
        assertThat(models(0).rule(DIGEST)).contains(ComparisonRule.NONE);
        assertThat(models(0).rule(Keccak256.hash(new byte[] {7}))).isEmpty();
        for (ComparisonRule rule : new ComparisonRule[] {ComparisonRule.BIT_EXACT, ComparisonRule.Tolerance.of(1e-5, 1e-4),
                new ComparisonRule.Tolerance(ComparisonRule.MAX, 0), ComparisonRule.NONE}) {
            var e = models(1).setRule(DIGEST, rule).confirmed().event("RuleSet");
            assertThat(e.<Keccak256>arg("digest")).isEqualTo(DIGEST);
            assertThat(e.<BigInteger>arg("kind")).isEqualTo(BigInteger.valueOf(rule.kind()));
            assertThat(e.<BigInteger>arg("absTol")).isEqualTo(BigInteger.valueOf(rule.absPpb()));
            assertThat(e.<BigInteger>arg("relTol")).isEqualTo(BigInteger.valueOf(rule.relPpb()));
            assertThat(models(2).rule(DIGEST)).contains(rule);
        }
    }

    @Test
    void only_the_owner_sets_the_rule_and_malformed_rules_are_refused() {
        models(1).register(DIGEST, "u", "n", "v", ComparisonRule.BIT_EXACT).confirmed().event("RuleSet");
        assertThat(models(0).model(DIGEST).orElseThrow().owner()).isEqualTo(addr(1));
        assertThat(models(0).rule(DIGEST)).contains(ComparisonRule.BIT_EXACT);
        assertReverted(models(2).setRule(DIGEST, ComparisonRule.NONE), "NotModelOwner", DIGEST, addr(2), addr(1));
        assertReverted(models(1).setRule(Keccak256.hash(new byte[] {7}), ComparisonRule.NONE), "UnknownModel",
                Keccak256.hash(new byte[] {7}));
        // What the Java type cannot express, sent raw: an unknown kind, tolerances on a bit-exact rule, too large a one
        assertReverted(rawSetRule(9, 0, 0), "InvalidRule", BigInteger.valueOf(9), BigInteger.ZERO, BigInteger.ZERO);
        assertReverted(rawSetRule(1, 5, 0), "InvalidRule", BigInteger.ONE, BigInteger.valueOf(5), BigInteger.ZERO);
        assertReverted(rawSetRule(2, 0, ComparisonRule.MAX + 1), "InvalidRule", BigInteger.TWO, BigInteger.ZERO,
                BigInteger.valueOf(ComparisonRule.MAX + 1));
        assertThat(models(0).rule(DIGEST)).contains(ComparisonRule.BIT_EXACT);
        models(1).transfer(DIGEST, addr(2)).confirmed();
        assertReverted(models(1).setRule(DIGEST, ComparisonRule.NONE), "NotModelOwner", DIGEST, addr(1), addr(2));
        models(2).setRule(DIGEST, ComparisonRule.Tolerance.of(0.01, 0)).confirmed();
        assertThat(models(0).rule(DIGEST)).contains(new ComparisonRule.Tolerance(10_000_000, 0));
    }

    private static TxOutcome rawSetRule(int kind, long abs, long rel) {
        return as(1).send(deployment.modelRegistry(), W3.fn("setRule", W3.bytes32(DIGEST),
                new org.web3j.abi.datatypes.generated.Uint8(kind), W3.uint64(abs), W3.uint64(rel)), BigInteger.ZERO);
    }
}
