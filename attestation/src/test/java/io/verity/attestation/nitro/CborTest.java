package io.verity.attestation.nitro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/** The CBOR reader on RFC 8949 Appendix A examples and on malformed input. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class CborTest {
    static Object decode(String hex) throws Cbor.CborException {
        return Cbor.decodeAll(HexFormat.of().parseHex(hex));
    }

    @Test
    void decodes_rfc8949_appendix_a_examples() throws Exception {
        assertThat(decode("00")).isEqualTo(0L);
        assertThat(decode("1903e8")).isEqualTo(1000L);
        assertThat(decode("1bffffffffffffffff")).isEqualTo(new BigInteger("18446744073709551615"));
        assertThat(decode("3863")).isEqualTo(-100L);
        assertThat(decode("3bffffffffffffffff")).isEqualTo(new BigInteger("-18446744073709551616"));
        assertThat(decode("f90000")).isEqualTo(0.0);
        assertThat(decode("fb3ff199999999999a")).isEqualTo(1.1);
        assertThat(decode("f6")).isSameAs(Cbor.NULL);
        assertThat(decode("f7")).isSameAs(Cbor.UNDEFINED);
        assertThat(decode("f5")).isEqualTo(true);
        assertThat(decode("6449455446")).isEqualTo("IETF");
        assertThat((byte[]) decode("4401020304")).containsExactly(1, 2, 3, 4);
        assertThat((byte[]) decode("5f42010243030405ff")).containsExactly(1, 2, 3, 4, 5);
        assertThat(decode("7f657374726561646d696e67ff")).isEqualTo("streaming");
        assertThat(decode("83010203")).isEqualTo(List.of(1L, 2L, 3L));
        assertThat(decode("9f018202039f0405ffff")).isEqualTo(List.of(1L, List.of(2L, 3L), List.of(4L, 5L)));
        assertThat(decode("bf61610161629f0203ffff")).isEqualTo(Map.of("a", 1L, "b", List.of(2L, 3L)));
        assertThat(decode("a201020304")).isEqualTo(Map.of(1L, 2L, 3L, 4L));
        assertThat(decode("c11a514b67b0")).isEqualTo(new Cbor.Tagged(1, 1363896240L));
    }

    @Test
    void rejects_lengths_beyond_the_input_before_allocating() {
        assertThatThrownBy(() -> decode("5bffffffffffffffff")).isInstanceOf(Cbor.CborException.class)
                .hasMessage("byte string declares 18446744073709551615 bytes at offset 9 but only 0 bytes remain");
        assertThatThrownBy(() -> decode("9affffffff")).hasMessageContaining("array declares 4294967295 items");
        assertThatThrownBy(() -> decode("bbffffffffffffffff")).hasMessageContaining("map declares 18446744073709551615 entries");
    }

    @Test
    void rejects_truncation_trailing_bytes_duplicates_breaks_and_deep_nesting() {
        assertThatThrownBy(() -> decode("19")).hasMessage("truncated: needed a byte at offset 1");
        assertThatThrownBy(() -> decode("8301")).hasMessage("array declares 3 items at offset 1 but only 1 bytes remain");
        assertThatThrownBy(() -> decode("0000")).hasMessageContaining("1 bytes follow it at offset 1");
        assertThatThrownBy(() -> decode("a2616101616102")).hasMessage("duplicate map key a at offset 4");
        assertThatThrownBy(() -> decode("ff")).hasMessage("unexpected break byte 0xff at offset 0");
        assertThatThrownBy(() -> decode("82ff01")).hasMessage("unexpected break byte 0xff at offset 1");
        assertThatThrownBy(() -> decode("5f01ff")).hasMessageContaining("indefinite string chunk of wrong type");
        assertThatThrownBy(() -> decode("62c328")).hasMessage("text string at offset 0 is not valid UTF-8");
        assertThatThrownBy(() -> decode("1c")).hasMessageContaining("reserved additional information 28");
        assertThatThrownBy(() -> decode("81".repeat(40) + "00")).hasMessageContaining("nesting deeper than 32");
        assertThatThrownBy(() -> decode("9f".repeat(100000))).isInstanceOf(Cbor.CborException.class);
    }
}
