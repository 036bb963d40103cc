package io.verity.attestation.nitro;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.attestation.Policy;
import io.verity.attestation.Step;
import io.verity.attestation.Verdict;
import io.verity.attestation.Verdicts;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/** Structural errors in Nitro documents built in the test are rejected at parse, naming the field. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class NitroParseTest {

    /** Minimal CBOR writer for the test: Long, String, byte[], List, Map (insertion order), null. */
    static void write(ByteArrayOutputStream out, Object v) {
        if (v == null) {
            out.write(0xf6);
        } else if (v instanceof Long l) {
            if (l >= 0) head(out, 0, l); else head(out, 1, -1 - l);
        } else if (v instanceof Integer i) {
            write(out, (long) i);
        } else if (v instanceof String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            head(out, 3, b.length);
            out.write(b, 0, b.length);
        } else if (v instanceof byte[] b) {
            head(out, 2, b.length);
            out.write(b, 0, b.length);
        } else if (v instanceof List<?> l) {
            head(out, 4, l.size());
            l.forEach(e -> write(out, e));
        } else if (v instanceof Map<?, ?> m) {
            head(out, 5, m.size());
            m.forEach((k, e) -> {
                write(out, k);
                write(out, e);
            });
        } else {
            throw new IllegalArgumentException(String.valueOf(v));
        }
    }

    static void head(ByteArrayOutputStream out, int major, long n) {
        if (n < 24) {
            out.write(major << 5 | (int) n);
        } else if (n < 256) {
            out.write(major << 5 | 24);
            out.write((int) n);
        } else if (n < 65536) {
            out.write(major << 5 | 25);
            out.write((int) (n >> 8));
            out.write((int) n);
        } else {
            out.write(major << 5 | 27);
            for (int i = 7; i >= 0; i--) out.write((int) (n >>> (8 * i)));
        }
    }

    static byte[] cbor(Object v) {
        var out = new ByteArrayOutputStream();
        write(out, v);
        return out.toByteArray();
    }

    static Map<Object, Object> payload() {
        Map<Object, Object> pcrs = new LinkedHashMap<>();
        for (long i = 0; i < 16; i++) pcrs.put(i, new byte[48]);
        Map<Object, Object> m = new LinkedHashMap<>();
        m.put("module_id", "i-0123-enc0456");
        m.put("digest", "SHA384");
        m.put("timestamp", 1_700_000_000_000L);
        m.put("pcrs", pcrs);
        m.put("certificate", new byte[] {0x30, 0x00});
        m.put("cabundle", List.of(new byte[] {0x30, 0x00}));
        m.put("public_key", null);
        m.put("user_data", null);
        m.put("nonce", null);
        return m;
    }

    static byte[] document(Object protectedHeader, Object unprotected, Map<Object, Object> payload, int sigLength) {
        List<Object> cose = new ArrayList<>();
        cose.add(cbor(protectedHeader));
        cose.add(unprotected);
        cose.add(cbor(payload));
        cose.add(new byte[sigLength]);
        return cbor(cose);
    }

    static String parseFailure(byte[] doc) {
        Verdict v = NitroVerifier.verify(doc, Policy.defaults(), Instant.parse("2023-11-14T22:13:20Z"));
        return Verdicts.rejected(v, Step.PARSE).reason();
    }

    static final Map<Object, Object> ES384 = Map.of(1L, -35L);

    @Test
    void a_well_formed_document_gets_past_parse_to_the_chain() {
        Verdict v = NitroVerifier.verify(document(ES384, Map.of(), payload(), 96), Policy.defaults(), Instant.EPOCH);
        assertThat(((Verdict.Rejected) v).failed()).isEqualTo(Step.CERT_CHAIN);
        assertThat(v.passed()).containsExactly(Step.PARSE);
    }

    @Test
    @SuppressWarnings("unchecked")
    void each_structural_error_names_its_field() {
        assertThat(parseFailure(document(Map.of(1L, -7L), Map.of(), payload(), 96)))
                .isEqualTo("COSE protected header expected {1: -35} (ES384), got a map of 1 entries");
        assertThat(parseFailure(document(ES384, List.of(), payload(), 96)))
                .isEqualTo("COSE unprotected header expected a map, got an array of 0 items");
        assertThat(parseFailure(document(ES384, Map.of(), payload(), 64)))
                .isEqualTo("COSE signature expected 96 bytes (ES384 r||s), got 64");
        var p = payload();
        p.remove("module_id");
        assertThat(parseFailure(document(ES384, Map.of(), p, 96))).isEqualTo("module_id expected a text string, got nothing (field absent)");
        p = payload();
        p.put("digest", "SHA256");
        assertThat(parseFailure(document(ES384, Map.of(), p, 96))).isEqualTo("digest expected \"SHA384\", got \"SHA256\"");
        p = payload();
        p.put("timestamp", -5L);
        assertThat(parseFailure(document(ES384, Map.of(), p, 96))).isEqualTo("timestamp expected a positive integer (ms), got -5");
        p = payload();
        ((Map<Object, Object>) p.get("pcrs")).put(3L, new byte[47]);
        assertThat(parseFailure(document(ES384, Map.of(), p, 96))).isEqualTo("pcrs[3] expected 32, 48 or 64 bytes, got 47");
        p = payload();
        ((Map<Object, Object>) p.get("pcrs")).put(32L, new byte[48]);
        assertThat(parseFailure(document(ES384, Map.of(), p, 96))).isEqualTo("pcrs key expected an index 0..31, got 32");
        p = payload();
        p.put("user_data", new byte[1025]);
        assertThat(parseFailure(document(ES384, Map.of(), p, 96))).isEqualTo("user_data expected at most 1024 bytes, got 1025");
        p = payload();
        p.put("cabundle", "none");
        assertThat(parseFailure(document(ES384, Map.of(), p, 96))).isEqualTo("cabundle expected an array of certificates, got text \"none\"");
        assertThat(parseFailure(cbor(List.of(cbor(ES384), Map.of(), cbor(payload()))))).isEqualTo("COSE_Sign1 expected an array of 4 items, got an array of 3 items");
    }

    @Test
    void a_cose_tag_other_than_18_is_rejected() {
        byte[] doc = document(ES384, Map.of(), payload(), 96);
        byte[] tagged = new byte[doc.length + 1];
        tagged[0] = (byte) 0xd1; // tag 17, COSE_Mac0
        System.arraycopy(doc, 0, tagged, 1, doc.length);
        assertThat(parseFailure(tagged)).isEqualTo("COSE tag expected 18 (COSE_Sign1), got 17");
    }
}
