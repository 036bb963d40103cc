package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
