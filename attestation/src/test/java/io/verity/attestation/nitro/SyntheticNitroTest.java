package io.verity.attestation.nitro;

import static io.verity.attestation.nitro.NitroParseTest.cbor;
import static io.verity.attestation.nitro.NitroParseTest.payload;
import static org.assertj.core.api.Assertions.assertThat;

import io.verity.attestation.Policy;
import io.verity.attestation.Step;
import io.verity.attestation.Verdict;
import io.verity.attestation.Verdicts;
import io.verity.attestation.internal.Certs;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/**
 * Nitro documents signed in the test under a throwaway root the test pins, for paths the real documents cannot
 * reach: a timestamp ahead of the verification time, and an intermediate that is not a CA.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class SyntheticNitroTest {
    static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    static KeyPair rootKeys;
    static KeyPair leafKeys;
    static X509Certificate root;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"));
        rootKeys = g.generateKeyPair();
        leafKeys = g.generateKeyPair();
        root = cert("CN=test-root", "CN=test-root", rootKeys.getPublic(), rootKeys.getPrivate(), true);
    }

    static X509Certificate cert(String subject, String issuer, PublicKey key, PrivateKey signer, boolean ca) throws Exception {
        var b = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(subject.hashCode() & 0xffff),
                Date.from(NOW.minusSeconds(3600)), Date.from(NOW.plusSeconds(3 * 3600)), new X500Name(subject), key);
        if (ca) b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA384withECDSA").build(signer)));
    }

    /** COSE_Sign1 over the payload, signed with the leaf key, cabundle = [root, intermediates...]. */
    @SuppressWarnings("unchecked")
    static byte[] document(Instant timestamp, X509Certificate leaf, List<X509Certificate> cabundle) throws Exception {
        Map<Object, Object> p = payload();
        p.put("timestamp", timestamp.toEpochMilli());
        p.put("certificate", leaf.getEncoded());
        p.put("cabundle", cabundle.stream().map(c -> {
            try {
                return c.getEncoded();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList());
        for (long i = 0; i < 3; i++) ((Map<Object, Object>) p.get("pcrs")).put(i, new byte[48]);
        ((Map<Object, Object>) p.get("pcrs")).put(0L, filled(48, 7));
        byte[] protectedHeader = cbor(Map.of(1L, -35L));
        byte[] payload = cbor(p);
        var sigStructure = new ByteArrayOutputStream();
        sigStructure.write(0x84);
        Cbor.writeBytes(sigStructure, 3, "Signature1".getBytes(StandardCharsets.US_ASCII));
        Cbor.writeBytes(sigStructure, 2, protectedHeader);
        Cbor.writeBytes(sigStructure, 2, new byte[0]);
        Cbor.writeBytes(sigStructure, 2, payload);
        Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
        s.initSign(leafKeys.getPrivate());
        s.update(sigStructure.toByteArray());
        return cbor(List.of(protectedHeader, Map.of(), payload, s.sign()));
    }

    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) v);
        return b;
    }

    static Verdict verify(byte[] doc, Policy policy) {
        return NitroVerifier.verify(doc, policy, NOW, Certs.fingerprint(root));
    }

    @Test
    void a_document_signed_under_the_pinned_test_root_is_valid() throws Exception {
        X509Certificate leaf = cert("CN=leaf", "CN=test-root", leafKeys.getPublic(), rootKeys.getPrivate(), false);
        Verdict v = verify(document(NOW.minusSeconds(60), leaf, List.of(root)), Policy.defaults().withMaxAge(Duration.ofMinutes(5)));
        assertThat(v.isValid()).as(v.toString()).isTrue();
        assertThat(v.passed()).containsExactly(Step.PARSE, Step.CERT_CHAIN, Step.SIGNATURE, Step.FRESHNESS, Step.DEBUG);
    }

    @Test
    void a_timestamp_beyond_the_clock_skew_fails_freshness() throws Exception {
        X509Certificate leaf = cert("CN=leaf", "CN=test-root", leafKeys.getPublic(), rootKeys.getPrivate(), false);
        Instant future = NOW.plus(Duration.ofMinutes(6));
        Verdict v = verify(document(future, leaf, List.of(root)), Policy.defaults().withMaxAge(Duration.ofMinutes(5)));
        var r = Verdicts.rejected(v, Step.FRESHNESS);
        assertThat(r.reason()).isEqualTo("timestamp 2026-01-01T12:06:00Z is after the verification time 2026-01-01T12:00:00Z"
                + " by more than PT5M");
    }

    @Test
    void an_intermediate_that_is_not_a_ca_fails_the_chain() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair midKeys = g.generateKeyPair();
        X509Certificate mid = cert("CN=not-a-ca", "CN=test-root", midKeys.getPublic(), rootKeys.getPrivate(), false);
        X509Certificate leaf = cert("CN=leaf", "CN=not-a-ca", leafKeys.getPublic(), midKeys.getPrivate(), false);
        Verdict v = verify(document(NOW, leaf, List.of(root, mid)), Policy.defaults());
        assertThat(v).isInstanceOf(Verdict.Rejected.class);
        assertThat(((Verdict.Rejected) v).reason()).isEqualTo("certificate[1] CN=not-a-ca issues certificates but is not a CA");
    }

    @Test
    void the_test_root_is_not_trusted_in_production() throws Exception {
        X509Certificate leaf = cert("CN=leaf", "CN=test-root", leafKeys.getPublic(), rootKeys.getPrivate(), false);
        Verdict v = NitroVerifier.verify(document(NOW, leaf, List.of(root)), Policy.defaults(), NOW);
        assertThat(((Verdict.Rejected) v).failed()).isEqualTo(Step.CERT_CHAIN);
    }
}
