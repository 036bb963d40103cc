package io.verity.attestation.tdx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.attestation.Step;
import io.verity.attestation.internal.Certs;
import io.verity.attestation.internal.Failure;
import java.nio.file.Files;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/**
 * The revocation step on the real T1 PCK chain with CRLs made in the test that list its certificates (CRL
 * signatures and issuers are the collateral step's business and are checked in DcapVectorsTest).
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class RevocationTest {
    static final Instant AT = Instant.parse("2025-07-19T10:00:34Z");

    static byte[] crl(X509Certificate issuerOf, java.math.BigInteger... revoked) throws Exception {
        var b = new X509v2CRLBuilder(X500Name.getInstance(issuerOf.getIssuerX500Principal().getEncoded()), Date.from(AT));
        for (var serial : revoked) b.addCRLEntry(serial, Date.from(AT.minusSeconds(3600)), 1);
        var kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(256);
        return b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kpg.generateKeyPair().getPrivate())).getEncoded();
    }

    @Test
    void a_pck_certificate_listed_in_the_pck_crl_fails_the_revocation_step() throws Exception {
        Quote q = Quote.parse(Files.readAllBytes(TcbMatchingTest.dir().resolve("tdx/phala-dcap-qvl-tdx-v4-quote.bin")));
        List<X509Certificate> pck = Certs.parsePem(q.pckChainPem);
        Collateral real = Collateral.parse(Files.readString(
                TcbMatchingTest.dir().resolve("tdx/phala-dcap-qvl-tdx-v4-quote.collateral.json")));
        DcapVerifier.revocation(real, pck, AT); // the real CRLs revoke nothing here

        Collateral revokedLeaf = new Collateral(real.tcbInfo(), real.tcbInfoSignature(), real.tcbInfoIssuerChain(),
                real.qeIdentity(), real.qeIdentitySignature(), real.qeIdentityIssuerChain(), real.rootCaCrl(),
                crl(pck.get(0), pck.get(0).getSerialNumber()), real.pckCrlIssuerChain());
        assertThatThrownBy(() -> DcapVerifier.revocation(revokedLeaf, pck, AT)).isInstanceOf(Failure.class)
                .hasMessage("PCK certificate serial 0x" + pck.get(0).getSerialNumber().toString(16)
                        + " is revoked by the PCK CRL")
                .satisfies(e -> assertThat(((Failure) e).step()).isEqualTo(Step.REVOCATION));

        Collateral revokedCa = new Collateral(real.tcbInfo(), real.tcbInfoSignature(), real.tcbInfoIssuerChain(),
                real.qeIdentity(), real.qeIdentitySignature(), real.qeIdentityIssuerChain(),
                crl(pck.get(1), pck.get(1).getSerialNumber()), real.pckCrl(), real.pckCrlIssuerChain());
        assertThatThrownBy(() -> DcapVerifier.revocation(revokedCa, pck, AT))
                .hasMessageContaining("CN=Intel SGX PCK Platform CA").hasMessageEndingWith("is revoked by the root CA CRL");
    }
}
