package io.verity.attestation.sevsnp;

import static io.verity.attestation.Verdicts.rejected;
import static org.assertj.core.api.Assertions.assertThat;

import io.verity.attestation.Policy;
import io.verity.attestation.Step;
import io.verity.attestation.TrustAnchors;
import io.verity.attestation.Verdict;
import io.verity.attestation.internal.Certs;
import io.verity.attestation.internal.Extras;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
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
 * Paths no public SEV-SNP vector exercises (a debug guest, a report whose TCB or chip id disagrees with its
 * VCEK, a VLEK-signed report), on reports signed in the test under a throwaway ARK → ASK → VCEK chain
 * (RSASSA-PSS, like AMD's) that the test pins in place of AMD's ARK.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class SyntheticSevSnpTest {
    static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");
    static final byte[] CHIP_ID = new byte[64];
    static X509Certificate ark;
    static X509Certificate ask;
    static X509Certificate vcek;
    static PrivateKey vcekKey;

    @BeforeAll
    static void chain() throws Exception {
        for (int i = 0; i < 64; i++) CHIP_ID[i] = (byte) (i * 7 + 1);
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair arkKeys = rsa.generateKeyPair();
        KeyPair askKeys = rsa.generateKeyPair();
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair vcekKeys = ec.generateKeyPair();
        vcekKey = vcekKeys.getPrivate();
        ark = cert("CN=ARK-Test", "CN=ARK-Test", arkKeys.getPublic(), arkKeys.getPrivate(), true, null);
        ask = cert("CN=SEV-Test", "CN=ARK-Test", askKeys.getPublic(), arkKeys.getPrivate(), true, null);
        vcek = cert("CN=SEV-VCEK", "CN=SEV-Test", vcekKeys.getPublic(), askKeys.getPrivate(), false,
                new int[] {3, 0, 8, 115});
    }

    static X509Certificate cert(String subject, String issuer, PublicKey key, PrivateKey signer, boolean ca,
                                int[] spl) throws Exception {
        var b = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(subject.hashCode() & 0xffff),
                Date.from(Instant.parse("2025-01-01T00:00:00Z")), Date.from(Instant.parse("2030-01-01T00:00:00Z")),
                new X500Name(subject), key);
        if (ca) b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        if (spl != null) {
            String[] oids = {"3.1", "3.2", "3.3", "3.8"};
            for (int i = 0; i < 4; i++) {
                b.addExtension(new ASN1ObjectIdentifier("1.3.6.1.4.1.3704.1." + oids[i]), false, new ASN1Integer(spl[i]));
            }
            b.addExtension(new ASN1ObjectIdentifier("1.3.6.1.4.1.3704.1.4"), false, new DEROctetString(CHIP_ID));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA384withRSAandMGF1").setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).build(signer)));
    }

    /** A version-2 report with the given guest policy, reported TCB and chip id, signed by the test VCEK. */
    static byte[] report(long policy, byte[] reportedTcb, byte[] chipId, int signerInfo) throws Exception {
        byte[] r = new byte[1184];
        r[0] = 2;
        for (int i = 0; i < 8; i++) r[0x08 + i] = (byte) (policy >>> (8 * i));
        r[0x34] = 1;
        r[0x48] = (byte) signerInfo;
        for (int i = 0; i < 48; i++) r[0x90 + i] = (byte) 0xab;
        System.arraycopy(reportedTcb, 0, r, 0x180, 8);
        System.arraycopy(chipId, 0, r, 0x1A0, 64);
        Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
        s.initSign(vcekKey);
        s.update(r, 0, SevSnpVerifier.SIGNED_LENGTH);
        byte[] sig = s.sign();
        for (int i = 0; i < 48; i++) {
            r[0x2A0 + i] = sig[47 - i]; // r, little-endian in 72 bytes
            r[0x2E8 + i] = sig[95 - i]; // s
        }
        return r;
    }

    static final byte[] TCB = {3, 0, 0, 0, 0, 0, 8, 115};

    static Verdict verify(byte[] report, Policy policy) {
        return SevSnpVerifier.verify(report, new Extras(List.of(vcek, ask, ark), List.of(), List.of()), policy, AT,
                Certs.fingerprint(ark));
    }

    @Test
    void a_well_formed_report_under_the_test_ark_is_valid() throws Exception {
        Verdict v = verify(report(0x30000, TCB, CHIP_ID, 0), Policy.defaults());
        assertThat(v.isValid()).as(v.toString()).isTrue();
    }

    @Test
    void a_debug_guest_is_rejected_at_debug_unless_the_policy_allows_it() throws Exception {
        byte[] debug = report(0x30000 | 1L << 19, TCB, CHIP_ID, 0);
        var r = rejected(verify(debug, Policy.defaults()), Step.DEBUG);
        assertThat(r.reason()).isEqualTo("guest policy 0xb0000 allows debugging (bit 19), which the policy does not allow");
        assertThat(r.passed()).containsExactly(Step.PARSE, Step.CERT_CHAIN, Step.SIGNATURE, Step.TCB_BINDING);
        assertThat(verify(debug, Policy.defaults().withAllowDebug(true)).isValid()).isTrue();
    }

    @Test
    void a_reported_tcb_above_the_vcek_is_rejected_at_tcb_binding() throws Exception {
        byte[] tcb = TCB.clone();
        tcb[7] = 116;
        var r = rejected(verify(report(0x30000, tcb, CHIP_ID, 0), Policy.defaults()), Step.TCB_BINDING);
        assertThat(r.reason()).isEqualTo("reported_tcb ucodeSPL is 116 but the VCEK says 115");
    }

    @Test
    void a_chip_id_other_than_the_vcek_hwid_is_rejected_at_tcb_binding() throws Exception {
        byte[] other = CHIP_ID.clone();
        other[0] ^= 1;
        var r = rejected(verify(report(0x30000, TCB, other, 0), Policy.defaults()), Step.TCB_BINDING);
        assertThat(r.reason()).startsWith("chip_id 0x");
    }

    @Test
    void a_vlek_signed_report_is_rejected_at_cert_chain() throws Exception {
        var r = rejected(verify(report(0x30000, TCB, CHIP_ID, 1 << 2), Policy.defaults()), Step.CERT_CHAIN);
        assertThat(r.reason()).isEqualTo("signing key expected 0 (VCEK), got 1 (VLEK-signed reports are not supported)");
    }

    @Test
    void the_test_chain_is_refused_under_the_production_ark() throws Exception {
        Verdict v = SevSnpVerifier.verify(report(0x30000, TCB, CHIP_ID, 0),
                new Extras(List.of(vcek, ask, ark), List.of(), List.of()), Policy.defaults(), AT);
        var r = rejected(v, Step.CERT_CHAIN);
        assertThat(r.reason()).contains(TrustAnchors.AMD_ARK_MILAN_SHA256).contains("CN=ARK-Test");
    }
}
