package io.verity.attestation.internal;

import io.verity.attestation.Step;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Additional inputs given with evidence (certificates, CRLs, DCAP collateral JSON, NVIDIA RIMs), classified by
 * content: PEM or DER certificates and CRLs (also hex/base64 DER), JSON objects, XML documents.
 */
public record Extras(List<X509Certificate> certificates, List<X509CRL> crls, List<String> json, List<String> xml) {
    private static final Pattern PEM_CRL = Pattern.compile("-----BEGIN X509 CRL-----([A-Za-z0-9+/=\\s]+?)-----END X509 CRL-----");

    public Extras {
        certificates = List.copyOf(certificates);
        crls = List.copyOf(crls);
        json = List.copyOf(json);
        xml = List.copyOf(xml);
    }

    public Extras(List<X509Certificate> certificates, List<String> json, List<String> xml) {
        this(certificates, List.of(), json, xml);
    }

    public static Extras none() {
        return new Extras(List.of(), List.of(), List.of(), List.of());
    }

    /** @throws Failure at {@link Step#PARSE} naming the extra input that is none of the above */
    public static Extras classify(List<byte[]> inputs) {
        List<X509Certificate> certs = new ArrayList<>();
        List<X509CRL> crls = new ArrayList<>();
        List<String> json = new ArrayList<>();
        List<String> xml = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            byte[] raw = inputs.get(i);
            String name = "extra input #" + (i + 1);
            if (raw == null || raw.length == 0) throw new Failure(Step.PARSE, name + " is empty");
            String text = new String(raw, StandardCharsets.UTF_8).strip();
            if (text.startsWith("\uFEFF")) text = text.substring(1);
            try {
                if (text.startsWith("{")) {
                    json.add(text);
                } else if (text.startsWith("<")) {
                    xml.add(text);
                } else if (text.contains("-----BEGIN X509 CRL-----")) {
                    Matcher m = PEM_CRL.matcher(text);
                    while (m.find()) crls.add(crl(Base64.getMimeDecoder().decode(m.group(1))));
                    if (crls.isEmpty()) throw new Failure(Step.PARSE, name + " has a PEM CRL header but no CRL");
                } else if (Certs.looksLikePem(raw)) {
                    List<X509Certificate> pem = Certs.parsePem(text);
                    if (pem.isEmpty()) throw new Failure(Step.PARSE, name + " has a PEM header but no certificate");
                    certs.addAll(pem);
                } else {
                    byte[] der = (raw[0] & 0xff) == 0x30 ? raw : Encoding.decodeText(raw);
                    try {
                        certs.add(Certs.parse(der));
                    } catch (Exception notACertificate) {
                        crls.add(crl(der));
                    }
                }
            } catch (Failure f) {
                throw f;
            } catch (Exception e) {
                throw new Failure(Step.PARSE, name + " expected a certificate or CRL (PEM/DER), collateral JSON or an"
                        + " XML RIM, but could not read it: " + e.getMessage());
            }
        }
        return new Extras(certs, crls, json, xml);
    }

    private static X509CRL crl(byte[] der) throws Exception {
        return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
    }
}
