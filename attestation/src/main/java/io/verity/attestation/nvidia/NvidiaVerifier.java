package io.verity.attestation.nvidia;

import io.verity.attestation.Bytes;
import io.verity.attestation.EvidenceKind;
import io.verity.attestation.Facts;
import io.verity.attestation.Policy;
import io.verity.attestation.Step;
import io.verity.attestation.TrustAnchors;
import io.verity.attestation.Verdict;
import io.verity.attestation.internal.Bin;
import io.verity.attestation.internal.Certs;
import io.verity.attestation.internal.Checks;
import io.verity.attestation.internal.Extras;
import io.verity.attestation.internal.Failure;
import io.verity.attestation.internal.PolicyChecks;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * NVIDIA H100 GPU attestation reports: an SPDM 1.1+ GET_MEASUREMENTS request ‖ signed response. The device
 * certificate chain (given as an extra, leaf first) must end at the pinned NVIDIA Device Identity CA; the
 * ECDSA P-384 signature covers request ‖ response without its signature; the request nonce is the freshness
 * and binding value; with RIMs given, every active RIM measurement must equal the report's block (RIM index i
 * is SPDM block i+1) after each RIM's XML signature and signing chain (to the pinned NVIDIA CoRIM root) verify.
 * Certificate revocation (NVIDIA OCSP) is not checked offline.
 */
public final class NvidiaVerifier {
    private static final int REQUEST_LENGTH = 37;
    private static final int SIGNATURE_LENGTH = 96;

    private NvidiaVerifier() {}

    public static Verdict verify(byte[] evidence, Extras extras, Policy policy, Instant at) {
        return Checks.verify(EvidenceKind.NVIDIA_H100, c -> {
            Report[] rr = new Report[1];
            List<Rim> rims = new ArrayList<>();
            c.step(Step.PARSE, () -> {
                rr[0] = parse(evidence);
                for (String xml : extras.xml()) rims.add(Rim.parse(xml));
            });
            Report r = rr[0];
            c.facts(r.facts);
            X509Certificate[] leaf = new X509Certificate[1];
            c.step(Step.CERT_CHAIN, () -> {
                List<X509Certificate> pool = extras.certificates();
                List<X509Certificate> chain = Certs.chainFrom(pool, x -> pool.stream().noneMatch(o -> o != x
                        && o.getIssuerX500Principal().equals(x.getSubjectX500Principal())), "GPU device leaf");
                Certs.verifyChain(chain, TrustAnchors.NVIDIA_DEVICE_IDENTITY_CA_SHA256, "NVIDIA Device Identity CA", at);
                leaf[0] = chain.get(0);
            });
            c.step(Step.SIGNATURE, () -> {
                byte[] signed = Arrays.copyOf(evidence, evidence.length - SIGNATURE_LENGTH);
                byte[] sig = Arrays.copyOfRange(evidence, evidence.length - SIGNATURE_LENGTH, evidence.length);
                if (!Certs.verifyP1363(leaf[0].getPublicKey(), "SHA384", signed, sig)) {
                    throw new Failure(Step.SIGNATURE, "SPDM measurement signature does not verify with the key of "
                            + leaf[0].getSubjectX500Principal().getName());
                }
            });
            if (policy.nonce().isPresent()) {
                c.step(Step.NONCE, () -> {
                    Bytes expected = policy.nonce().get();
                    Bytes got = r.facts.nonce().orElseThrow();
                    if (!got.contentEquals(expected)) {
                        throw new Failure(Step.NONCE, "request nonce expected " + expected + ", got " + got);
                    }
                });
            }
            if (!rims.isEmpty()) {
                c.step(Step.COLLATERAL, () -> {
                    for (Rim rim : rims) rim.verifySignature(at, TrustAnchors.NVIDIA_CORIM_ROOT_SHA256);
                });
                c.step(Step.MEASUREMENT_POLICY, () -> compare(rims, r.facts.measurements()));
            }
            if (!policy.allowedMeasurements().isEmpty()) {
                c.step(Step.MEASUREMENT_POLICY, () -> PolicyChecks.measurements(policy, r.facts.measurements()));
            }
            if (policy.keyBinding().isPresent()) {
                c.step(Step.KEY_BINDING, () -> {
                    Bytes expected = policy.keyBinding().get();
                    if (!r.facts.nonce().orElseThrow().startsWith(expected)) {
                        throw new Failure(Step.KEY_BINDING, "request nonce expected to start with key binding "
                                + expected + ", got " + r.facts.nonce().orElseThrow());
                    }
                });
            }
            return r.facts;
        });
    }

    /** Every active RIM resource must match its block; the message lists all mismatching indices. */
    static void compare(List<Rim> rims, Map<String, Bytes> blocks) {
        List<String> mismatches = new ArrayList<>();
        int checked = 0;
        for (Rim rim : rims) {
            for (Rim.Resource res : rim.active()) {
                checked++;
                Bytes got = blocks.get("BLOCK" + (res.index() + 1));
                if (got == null || !res.golden().contains(got)) {
                    mismatches.add(rim.colloquialVersion() + "#" + res.index());
                }
            }
        }
        if (!mismatches.isEmpty()) {
            throw new Failure(Step.MEASUREMENT_POLICY, mismatches.size() + " of " + checked
                    + " active RIM measurements differ from the report: " + mismatches);
        }
    }

    static final class Report {
        Facts facts;
    }

    static Report parse(byte[] b) {
        int version = Bin.u8(b, 0, "request.version");
        if ((version & 0xf0) != 0x10 || version < 0x11) {
            throw new Failure(Step.PARSE, "SPDM version expected 1.1 or later (0x11..0x1f), got 0x" + Integer.toHexString(version));
        }
        if (Bin.u8(b, 1, "request.code") != 0xe0) throw new Failure(Step.PARSE, "request code expected 0xe0 (GET_MEASUREMENTS)");
        if ((Bin.u8(b, 2, "request.param1") & 1) == 0) {
            throw new Failure(Step.PARSE, "request.param1 must ask for a signature (bit 0), got 0x" + Integer.toHexString(b[2] & 0xff));
        }
        Bytes nonce = Bytes.of(Bin.slice(b, 4, 32, "request.nonce"));
        int p = REQUEST_LENGTH;
        if (Bin.u8(b, p, "response.version") != version) {
            throw new Failure(Step.PARSE, "response version expected 0x" + Integer.toHexString(version) + ", got 0x"
                    + Integer.toHexString(b[p] & 0xff));
        }
        if (Bin.u8(b, p + 1, "response.code") != 0x60) throw new Failure(Step.PARSE, "response code expected 0x60 (MEASUREMENTS)");
        int numBlocks = Bin.u8(b, p + 4, "response.number_of_blocks");
        int recordLength = Bin.u24(b, p + 5, "response.measurement_record_length");
        int rec = p + 8;
        Bin.need(b, rec, recordLength, "measurement record");
        Map<String, Bytes> blocks = new LinkedHashMap<>();
        int q = rec;
        for (int i = 0; i < numBlocks; i++) {
            int index = Bin.u8(b, q, "block.index");
            int spec = Bin.u8(b, q + 1, "block.spec");
            int size = Bin.u16(b, q + 2, "block.size");
            if (q + 4 + size > rec + recordLength) throw new Failure(Step.PARSE, "measurement block " + index + " overruns the record");
            if (spec != 1) throw new Failure(Step.PARSE, "measurement block " + index + " spec expected 1 (DMTF), got " + spec);
            int valueSize = Bin.u16(b, q + 5, "block.value_size");
            if (valueSize + 3 != size) throw new Failure(Step.PARSE, "measurement block " + index + " value size " + valueSize + " does not fit block size " + size);
            if (blocks.put("BLOCK" + index, Bytes.of(b, q + 7, valueSize)) != null) {
                throw new Failure(Step.PARSE, "measurement block index " + index + " appears twice");
            }
            q += 4 + size;
        }
        if (q != rec + recordLength) throw new Failure(Step.PARSE, "measurement record length " + recordLength + " does not match its blocks");
        int o = rec + recordLength;
        Bytes responderNonce = Bytes.of(Bin.slice(b, o, 32, "response.nonce"));
        int opaqueLength = Bin.u16(b, o + 32, "response.opaque_length");
        byte[] opaque = Bin.slice(b, o + 34, opaqueLength, "response.opaque_data");
        int end = o + 34 + opaqueLength + SIGNATURE_LENGTH;
        if (end != b.length) {
            throw new Failure(Step.PARSE, "report expected to end with the 96-byte signature at " + end + ", but has "
                    + b.length + " bytes");
        }
        Map<String, String> a = new LinkedHashMap<>();
        a.put("spdm_version", (version >> 4) + "." + (version & 0xf));
        a.put("responder_nonce", responderNonce.hex());
        opaque(opaque, a);
        Report r = new Report();
        r.facts = new Facts(EvidenceKind.NVIDIA_H100, Optional.empty(), blocks, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of(nonce), false, Optional.empty(), List.of(), a);
        return r;
    }

    /** NVIDIA opaque data: (type u16, size u16, value) entries; a few are exposed as attributes. */
    private static void opaque(byte[] d, Map<String, String> a) {
        int p = 0;
        while (p + 4 <= d.length) {
            int type = Bin.u16(d, p, "opaque.type");
            int size = Bin.u16(d, p + 2, "opaque.size");
            byte[] v = Bin.slice(d, p + 4, size, "opaque value " + type);
            switch (type) {
                case 3 -> a.put("driver_version", cString(v));
                case 6 -> {
                    if (v.length >= 5) {
                        a.put("vbios_version", String.format(Locale.ROOT, "%02X.%02X.%02X.%02X.%02X",
                                v[3], v[2], v[1], v[0], v[4]));
                    }
                }
                case 15 -> a.put("chip_sku", cString(v));
                case 17 -> a.put("project", cString(v));
                case 18 -> a.put("project_sku", cString(v));
                default -> { }
            }
            p += 4 + size;
        }
    }

    private static String cString(byte[] v) {
        int n = 0;
        while (n < v.length && v[n] != 0) n++;
        return new String(v, 0, n, StandardCharsets.US_ASCII);
    }
}
