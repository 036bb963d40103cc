package io.verity.attestation.nitro;

import io.verity.attestation.Bytes;
import io.verity.attestation.EvidenceKind;
import io.verity.attestation.Facts;
import io.verity.attestation.Policy;
import io.verity.attestation.Step;
import io.verity.attestation.TrustAnchors;
import io.verity.attestation.Verdict;
import io.verity.attestation.internal.Certs;
import io.verity.attestation.internal.Checks;
import io.verity.attestation.internal.Failure;
import io.verity.attestation.internal.PolicyChecks;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * AWS Nitro Enclaves attestation documents: COSE_Sign1 (tagged or not) over a CBOR payload map, ES384 over the
 * Sig_structure built from the received protected-header and payload bytes (never re-serialised), leaf →
 * cabundle chain to the pinned AWS Nitro Enclaves Root G1, valid both at the verification time and at the
 * document's own timestamp, then freshness, nonce,
 * debug (PCR0..2 all zero), PCR policy and key binding. Order matters: the chain runs before the signature, so
 * a damaged certificate is reported as {@code cert-chain}, a damaged payload as {@code signature}.
 */
public final class NitroVerifier {
    private static final int COSE_SIGN1_TAG = 18;
    private static final long ES384 = -35;
    private static final int MAX_OPTIONAL_FIELD = 1024;

    private NitroVerifier() {}

    public static Verdict verify(byte[] document, Policy policy, Instant at) {
        return verify(document, policy, at, TrustAnchors.AWS_NITRO_ROOT_G1_SHA256);
    }

    /** With another pinned root: tests sign synthetic documents under their own root. */
    static Verdict verify(byte[] document, Policy policy, Instant at, String rootSha256) {
        return Checks.verify(EvidenceKind.AWS_NITRO, c -> {
            Doc[] doc = new Doc[1];
            c.step(Step.PARSE, () -> {
                try {
                    doc[0] = parse(document);
                } catch (Cbor.CborException e) {
                    throw new Failure(Step.PARSE, "not valid CBOR: " + e.getMessage());
                }
            });
            Doc d = doc[0];
            c.facts(d.facts);
            c.step(Step.CERT_CHAIN, () -> {
                List<X509Certificate> chain = new ArrayList<>();
                chain.add(cert(d.certificate, "certificate"));
                for (int i = d.cabundle.size() - 1; i >= 0; i--) chain.add(cert(d.cabundle.get(i), "cabundle[" + i + "]"));
                if (d.cabundle.isEmpty()) {
                    throw new Failure(Step.CERT_CHAIN, "cabundle is empty: leaf "
                            + chain.get(0).getSubjectX500Principal().getName()
                            + " does not chain to the pinned AWS Nitro Enclaves Root G1");
                }
                Certs.verifyChain(chain, rootSha256, "AWS Nitro Enclaves Root G1", at);
                // The enclave signed at its own timestamp: the chain must have been valid then as well.
                for (X509Certificate cert : chain) {
                    if (d.timestamp.isBefore(cert.getNotBefore().toInstant())
                            || d.timestamp.isAfter(cert.getNotAfter().toInstant())) {
                        throw new Failure(Step.CERT_CHAIN, cert.getSubjectX500Principal().getName()
                                + " was not valid at the document timestamp " + d.timestamp + " (valid "
                                + cert.getNotBefore().toInstant() + " to " + cert.getNotAfter().toInstant() + ")");
                    }
                }
                d.leaf = chain.get(0);
            });
            c.step(Step.SIGNATURE, () -> {
                if (!Certs.verifyP1363(d.leaf.getPublicKey(), "SHA384", d.sigStructure(), d.signature)) {
                    throw new Failure(Step.SIGNATURE, "COSE_Sign1 ES384 signature does not verify with the leaf key of "
                            + d.leaf.getSubjectX500Principal().getName());
                }
            });
            if (policy.maxAge().isPresent()) {
                c.step(Step.FRESHNESS, () -> freshness(d.timestamp, policy.maxAge().get(), at));
            }
            if (policy.nonce().isPresent()) {
                c.step(Step.NONCE, () -> {
                    Bytes expected = policy.nonce().get();
                    Bytes got = d.facts.nonce().orElseThrow(() -> new Failure(Step.NONCE,
                            "nonce expected " + expected + ", but the document has none"));
                    if (!got.contentEquals(expected)) {
                        throw new Failure(Step.NONCE, "nonce expected " + expected + ", got " + got);
                    }
                });
            }
            c.step(Step.DEBUG, () -> {
                if (d.facts.debug() && !policy.allowDebug()) {
                    throw new Failure(Step.DEBUG, "PCR0, PCR1 and PCR2 are all zero: the enclave runs in debug mode,"
                            + " which the policy does not allow");
                }
            });
            if (!policy.allowedMeasurements().isEmpty()) {
                c.step(Step.MEASUREMENT_POLICY, () -> PolicyChecks.measurements(policy, d.facts.measurements()));
            }
            if (policy.keyBinding().isPresent()) {
                c.step(Step.KEY_BINDING, () -> keyBinding(d.facts, policy.keyBinding().get()));
            }
            return d.facts;
        });
    }

    static void freshness(Instant timestamp, Duration maxAge, Instant at) {
        if (timestamp.isAfter(at.plus(Policy.CLOCK_SKEW))) {
            throw new Failure(Step.FRESHNESS, "timestamp " + timestamp + " is after the verification time " + at
                    + " by more than " + Policy.CLOCK_SKEW);
        }
        if (Duration.between(timestamp, at).compareTo(maxAge) > 0) {
            throw new Failure(Step.FRESHNESS, "timestamp " + timestamp + " is older than " + maxAge
                    + " at the verification time " + at);
        }
    }

    static void keyBinding(Facts f, Bytes expected) {
        boolean inKey = f.publicKey().map(k -> k.contentEquals(expected)).orElse(false);
        boolean inUserData = f.userData().map(u -> u.startsWith(expected)).orElse(false);
        if (!inKey && !inUserData) {
            throw new Failure(Step.KEY_BINDING, "key binding " + expected + " expected as public_key or at the start"
                    + " of user_data, got public_key " + f.publicKey().map(Bytes::toString).orElse("absent")
                    + " and user_data " + f.userData().map(Bytes::toString).orElse("absent"));
        }
    }

    private static X509Certificate cert(byte[] der, String field) {
        try {
            return Certs.parse(der);
        } catch (Exception e) {
            throw new Failure(Step.CERT_CHAIN, field + " is not a valid X.509 certificate: " + e.getMessage());
        }
    }

    static final class Doc {
        byte[] protectedHeader;
        byte[] payload;
        byte[] signature;
        byte[] certificate;
        List<byte[]> cabundle;
        Instant timestamp;
        Facts facts;
        X509Certificate leaf;

        byte[] sigStructure() {
            var out = new ByteArrayOutputStream(payload.length + protectedHeader.length + 32);
            out.write(0x84);
            Cbor.writeBytes(out, 3, "Signature1".getBytes(StandardCharsets.US_ASCII));
            Cbor.writeBytes(out, 2, protectedHeader);
            Cbor.writeBytes(out, 2, new byte[0]);
            Cbor.writeBytes(out, 2, payload);
            return out.toByteArray();
        }
    }

    static Doc parse(byte[] document) throws Cbor.CborException {
        Object top = Cbor.decodeAll(document);
        if (top instanceof Cbor.Tagged t) {
            if (t.tag() != COSE_SIGN1_TAG) throw parseFail("COSE tag expected 18 (COSE_Sign1), got " + t.tag());
            top = t.item();
        }
        if (!(top instanceof List<?> arr) || arr.size() != 4) {
            throw parseFail("COSE_Sign1 expected an array of 4 items, got " + describe(top));
        }
        Doc d = new Doc();
        d.protectedHeader = bytes(arr.get(0), "COSE protected header");
        Object unprotected = arr.get(1);
        // Tolerated: some producers (blocky's self-signed test document) send null instead of an empty map.
        if (!(unprotected instanceof Map<?, ?>) && unprotected != Cbor.NULL) {
            throw parseFail("COSE unprotected header expected a map, got " + describe(unprotected));
        }
        d.payload = bytes(arr.get(2), "COSE payload");
        d.signature = bytes(arr.get(3), "COSE signature");
        Object ph = Cbor.decodeAll(d.protectedHeader);
        if (!(ph instanceof Map<?, ?> phm) || !Long.valueOf(ES384).equals(phm.get(1L))) {
            throw parseFail("COSE protected header expected {1: -35} (ES384), got " + describe(ph));
        }
        if (d.signature.length != 96) {
            throw parseFail("COSE signature expected 96 bytes (ES384 r||s), got " + d.signature.length);
        }
        Object p = Cbor.decodeAll(d.payload);
        if (!(p instanceof Map<?, ?> m)) throw parseFail("payload expected a map, got " + describe(p));

        String moduleId = text(m.get("module_id"), "module_id");
        if (moduleId.isEmpty()) throw parseFail("module_id expected a non-empty string, got \"\"");
        String digest = text(m.get("digest"), "digest");
        if (!digest.equals("SHA384")) throw parseFail("digest expected \"SHA384\", got \"" + digest + "\"");
        Object ts = m.get("timestamp");
        if (!(ts instanceof Long tsl) || tsl <= 0) throw parseFail("timestamp expected a positive integer (ms), got " + describe(ts));
        d.timestamp = Instant.ofEpochMilli(tsl);

        Object pcrs = m.get("pcrs");
        if (!(pcrs instanceof Map<?, ?> pm) || pm.isEmpty() || pm.size() > 32) {
            throw parseFail("pcrs expected a map of 1..32 entries, got " + describe(pcrs));
        }
        Map<String, Bytes> measurements = new LinkedHashMap<>();
        for (var e : pm.entrySet()) {
            if (!(e.getKey() instanceof Long idx) || idx < 0 || idx > 31) {
                throw parseFail("pcrs key expected an index 0..31, got " + describe(e.getKey()));
            }
            byte[] v = bytes(e.getValue(), "pcrs[" + idx + "]");
            if (v.length != 32 && v.length != 48 && v.length != 64) {
                throw parseFail("pcrs[" + idx + "] expected 32, 48 or 64 bytes, got " + v.length);
            }
            measurements.put("PCR" + idx, Bytes.of(v));
        }
        d.certificate = bytes(m.get("certificate"), "certificate");
        Object cab = m.get("cabundle");
        d.cabundle = new ArrayList<>();
        if (cab instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) d.cabundle.add(bytes(l.get(i), "cabundle[" + i + "]"));
        } else if (cab != Cbor.NULL) {
            throw parseFail("cabundle expected an array of certificates, got " + describe(cab));
        }
        Optional<Bytes> publicKey = optional(m, "public_key");
        Optional<Bytes> userData = optional(m, "user_data");
        Optional<Bytes> nonce = optional(m, "nonce");
        boolean debug = isZero(measurements.get("PCR0")) && isZero(measurements.get("PCR1"))
                && isZero(measurements.get("PCR2"));
        d.facts = new Facts(EvidenceKind.AWS_NITRO, Optional.of(d.timestamp), measurements, Optional.empty(),
                userData, publicKey, nonce, debug, Optional.empty(), List.of(),
                Map.of("module_id", moduleId, "digest", digest));
        return d;
    }

    private static boolean isZero(Bytes b) {
        return b != null && b.isAllZero();
    }

    private static Optional<Bytes> optional(Map<?, ?> m, String field) {
        Object v = m.get(field);
        if (v == null || v == Cbor.NULL) return Optional.empty();
        byte[] b = bytes(v, field);
        if (b.length > MAX_OPTIONAL_FIELD) {
            throw parseFail(field + " expected at most " + MAX_OPTIONAL_FIELD + " bytes, got " + b.length);
        }
        return Optional.of(Bytes.of(b));
    }

    private static byte[] bytes(Object v, String field) {
        if (v instanceof byte[] b) return b;
        throw parseFail(field + " expected a byte string, got " + describe(v));
    }

    private static String text(Object v, String field) {
        if (v instanceof String s) return s;
        throw parseFail(field + " expected a text string, got " + describe(v));
    }

    private static Failure parseFail(String reason) {
        return new Failure(Step.PARSE, reason);
    }

    private static String describe(Object v) {
        if (v == null) return "nothing (field absent)";
        if (v instanceof byte[] b) return "a byte string of " + b.length + " bytes";
        if (v instanceof List<?> l) return "an array of " + l.size() + " items";
        if (v instanceof Map<?, ?> m) return "a map of " + m.size() + " entries";
        if (v instanceof String s) return "text \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
        return String.valueOf(v);
    }
}
