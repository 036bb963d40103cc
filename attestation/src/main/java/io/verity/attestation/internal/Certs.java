package io.verity.attestation.internal;

import io.verity.attestation.Step;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/** X.509 parsing, chain checks against a pinned root fingerprint, and raw-signature verification. */
public final class Certs {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]+?)-----END CERTIFICATE-----");
    /**
     * Certificate signatures already verified, keyed by SHA-256(child DER) ‖ SHA-256(issuer DER). Certificates
     * are immutable, so a verified pair stays verified; validity times are still checked on every call. Bounded.
     */
    private static final Map<String, Boolean> VERIFIED_PAIRS = new ConcurrentHashMap<>();
    private static final int MAX_CACHED_PAIRS = 4096;
    /**
     * BouncyCastle for signature checks, held privately (not registered globally): its P-384 ECDSA verification
     * is about six times faster than SunEC's on JDK 25 (~0.2 ms against ~1.3 ms here), which keeps a Nitro
     * verification within its 2 ms budget.
     */
    private static final Provider BC = new BouncyCastleProvider();

    private Certs() {}

    /** Forgets verified certificate pairs (benchmarks measure the cold path with it). */
    public static void clearVerifiedCache() {
        VERIFIED_PAIRS.clear();
    }

    public static X509Certificate parse(byte[] der) throws CertificateException {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
    }

    /** Every PEM certificate in {@code text}, in order. */
    public static List<X509Certificate> parsePem(String text) throws CertificateException {
        List<X509Certificate> out = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            byte[] der = Base64.getMimeDecoder().decode(m.group(1).getBytes(StandardCharsets.US_ASCII));
            out.add(parse(der));
        }
        return out;
    }

    /** PEM text of the certificates, in order. */
    public static String toPem(List<X509Certificate> certs) {
        StringBuilder sb = new StringBuilder();
        for (X509Certificate c : certs) {
            try {
                sb.append("-----BEGIN CERTIFICATE-----\n")
                        .append(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(c.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            } catch (CertificateException e) {
                throw new IllegalStateException(e);
            }
        }
        return sb.toString();
    }

    public static boolean looksLikePem(byte[] bytes) {
        String head = new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.ISO_8859_1);
        return head.contains("-----BEGIN CERTIFICATE-----");
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] digest(String algorithm, byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            for (byte[] p : parts) md.update(p);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Checks that {@code leafFirst} (leaf, intermediates..., root) chains to the root whose SHA-256(DER) is
     * {@code pinnedRootSha256}: each certificate is signed by the next and names it as issuer, every issuer is a
     * CA, the root is self-signed, and every certificate is valid at {@code at}.
     *
     * @throws Failure at {@link Step#CERT_CHAIN} naming the certificate and what was wrong
     */
    public static void verifyChain(List<X509Certificate> leafFirst, String pinnedRootSha256, String rootName,
                                   Instant at) {
        if (leafFirst.isEmpty()) throw new Failure(Step.CERT_CHAIN, "certificate chain is empty");
        X509Certificate root = leafFirst.get(leafFirst.size() - 1);
        String rootFp = fingerprint(root);
        if (!rootFp.equalsIgnoreCase(pinnedRootSha256)) {
            throw new Failure(Step.CERT_CHAIN, "chain does not end at the pinned " + rootName + " (SHA-256 "
                    + pinnedRootSha256 + "), it ends at " + root.getSubjectX500Principal().getName()
                    + " (SHA-256 " + rootFp + ")");
        }
        Date when = Date.from(at);
        for (int i = 0; i < leafFirst.size(); i++) {
            X509Certificate cert = leafFirst.get(i);
            X509Certificate issuer = i + 1 < leafFirst.size() ? leafFirst.get(i + 1) : cert;
            String name = "certificate[" + i + "] " + cert.getSubjectX500Principal().getName();
            try {
                cert.checkValidity(when);
            } catch (CertificateExpiredException | CertificateNotYetValidException e) {
                throw new Failure(Step.CERT_CHAIN, name + " is not valid at " + at + " (valid "
                        + cert.getNotBefore().toInstant() + " to " + cert.getNotAfter().toInstant() + ")");
            }
            if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
                throw new Failure(Step.CERT_CHAIN, name + " names issuer " + cert.getIssuerX500Principal().getName()
                        + " but the next certificate is " + issuer.getSubjectX500Principal().getName());
            }
            if (i > 0 && cert.getBasicConstraints() < 0) {
                throw new Failure(Step.CERT_CHAIN, name + " issues certificates but is not a CA");
            }
            if (!signedBy(cert, issuer)) {
                throw new Failure(Step.CERT_CHAIN, name + " signature does not verify with the key of "
                        + issuer.getSubjectX500Principal().getName());
            }
        }
    }

    public static String fingerprint(X509Certificate cert) {
        try {
            return sha256Hex(cert.getEncoded());
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
        String key;
        try {
            key = sha256Hex(cert.getEncoded()) + sha256Hex(issuer.getEncoded());
        } catch (CertificateException e) {
            return false;
        }
        if (VERIFIED_PAIRS.containsKey(key)) return true;
        try {
            cert.verify(issuer.getPublicKey(), BC);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
        if (VERIFIED_PAIRS.size() >= MAX_CACHED_PAIRS) VERIFIED_PAIRS.clear();
        VERIFIED_PAIRS.put(key, Boolean.TRUE);
        return true;
    }

    /** Verifies a raw r‖s (IEEE P1363) ECDSA signature; false for any malformed key or signature. */
    public static boolean verifyP1363(PublicKey key, String hash, byte[] data, byte[] rawSignature) {
        try {
            Signature s = Signature.getInstance(hash + "withPLAIN-ECDSA", BC);
            s.initVerify(key);
            s.update(data);
            return s.verify(rawSignature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** r and s as big-endian integers padded to {@code fieldBytes} each; null when either does not fit. */
    public static byte[] p1363(BigInteger r, BigInteger s, int fieldBytes) {
        byte[] out = new byte[2 * fieldBytes];
        if (!put(r, out, 0, fieldBytes) || !put(s, out, fieldBytes, fieldBytes)) return null;
        return out;
    }

    private static boolean put(BigInteger v, byte[] out, int offset, int len) {
        if (v.signum() < 0) return false;
        byte[] b = v.toByteArray();
        int start = b.length > 1 && b[0] == 0 ? 1 : 0;
        int n = b.length - start;
        if (n > len) return false;
        System.arraycopy(b, start, out, offset + len - n, n);
        return true;
    }

    /**
     * Orders a pool of certificates into a chain starting at the first one matching {@code isLeaf}, following
     * issuer names until a self-signed certificate (or no issuer in the pool).
     *
     * @throws Failure at {@link Step#CERT_CHAIN} when no certificate matches {@code isLeaf}
     */
    public static List<X509Certificate> chainFrom(List<X509Certificate> pool,
                                                  java.util.function.Predicate<X509Certificate> isLeaf,
                                                  String leafName) {
        X509Certificate leaf = pool.stream().filter(isLeaf).findFirst().orElseThrow(() -> new Failure(
                Step.CERT_CHAIN, leafName + " certificate missing: got " + pool.size() + " certificate(s) "
                        + pool.stream().map(c -> c.getSubjectX500Principal().getName()).toList()));
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(leaf);
        X509Certificate cur = leaf;
        while (!cur.getIssuerX500Principal().equals(cur.getSubjectX500Principal()) && chain.size() <= pool.size()) {
            X509Certificate c = cur;
            X509Certificate next = pool.stream()
                    .filter(p -> p.getSubjectX500Principal().equals(c.getIssuerX500Principal()) && p != c)
                    .findFirst().orElse(null);
            if (next == null) break;
            chain.add(next);
            cur = next;
        }
        return chain;
    }

    public static String commonName(X509Certificate cert) {
        String dn = cert.getSubjectX500Principal().getName();
        for (String part : dn.split(",")) {
            if (part.startsWith("CN=")) return part.substring(3);
        }
        return dn;
    }
}
