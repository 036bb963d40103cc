package io.verity.node.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.ModelSchema;
import io.verity.protocol.tensor.TensorSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** The manifest codec: round trips, and malformed JSON fails only with IllegalArgumentException. */
class ManifestPropertyTest {

    @Property(tries = 300, seed = "20261124")
    void json_round_trips_and_keeps_the_manifest_digest(@ForAll("manifests") Manifest m) {
        Manifest back = Manifest.parse(m.toJson());

        assertThat(back).isEqualTo(m);
        assertThat(back.manifestDigest()).isEqualTo(m.manifestDigest());
    }

    @Property(tries = 300, seed = "20261124")
    void a_corrupted_manifest_fails_only_with_an_illegal_argument(
            @ForAll("manifests") Manifest m, @ForAll @IntRange(min = 0, max = 10_000) int at, @ForAll char c) {
        String json = m.toJson();
        String broken = json.substring(0, at % json.length()) + c + json.substring(at % json.length() + 1);
        try {
            Manifest.parse(broken);
        } catch (IllegalArgumentException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<Manifest> manifests() {
        Arbitrary<String> names = Arbitraries.strings().withCharRange('a', 'z').withChars("-_.").ofMinLength(1)
                .ofMaxLength(20).filter(s -> Character.isLetter(s.charAt(0)) && !s.matches("[a-f]{8,}"));
        Arbitrary<String> versions = Arbitraries.strings().numeric().withChars(".-+rc").ofMinLength(1)
                .ofMaxLength(12).filter(s -> Character.isDigit(s.charAt(0)));
        Arbitrary<TensorSpec.Dim> dims = Arbitraries.oneOf(
                Arbitraries.longs().between(0, Long.MAX_VALUE).map(TensorSpec.Dim.Fixed::new),
                Arbitraries.strings().ofMaxLength(12).map(TensorSpec.Dim.Dynamic::new));
        Arbitrary<TensorSpec> specs = Combinators.combine(
                        Arbitraries.strings().ofMinLength(1).ofMaxLength(16),
                        Arbitraries.of(DType.class),
                        dims.list().ofMaxSize(5))
                .as(TensorSpec::new);
        Arbitrary<ModelSchema> schemas =
                Combinators.combine(specs.list().ofMaxSize(4), specs.list().ofMaxSize(4)).as(ModelSchema::new);
        Arbitrary<Map<String, Long>> opsets = Arbitraries.maps(
                Arbitraries.of("ai.onnx", "ai.onnx.ml", "com.microsoft"), Arbitraries.longs().between(1, 30));
        Arbitrary<Keccak256> digests = Arbitraries.bytes().array(byte[].class).ofSize(32).map(Keccak256::wrap);
        Arbitrary<String> optional = Arbitraries.strings().ofMaxLength(30).injectNull(0.3);
        return Combinators.combine(digests, names, versions, optional, optional,
                        Arbitraries.longs().between(0, Long.MAX_VALUE), schemas, opsets)
                .as((d, n, v, l, s, size, schema, ops) -> new Manifest(d, n, v, l, s, size, "onnx", schema, ops,
                        new Manifest.Producer("pytorch", "2.1"), Instant.ofEpochMilli(1764000000000L)));
    }
}
