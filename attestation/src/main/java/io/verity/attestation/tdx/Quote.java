package io.verity.attestation.tdx;

import io.verity.attestation.Bytes;
import io.verity.attestation.EvidenceKind;
import io.verity.attestation.Facts;
import io.verity.attestation.Step;
import io.verity.attestation.internal.Bin;
import io.verity.attestation.internal.Failure;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An Intel DCAP quote, v3 (SGX), v4 (SGX or TDX 1.0 body) or v5 (typed body: SGX, TD10, TD15), with ECDSA P-256
 * attestation key and a PCK certificate chain (certification data type 5, inside type 6 for v4/v5).
 */
final class Quote {
    static final int HEADER = 48;
    static final int SGX_BODY = 384;
    static final int TD10_BODY = 584;
    static final int TD15_BODY = 648;

    int version;
    boolean tdx;
    byte[] signedPart;      // header ‖ body, what the attestation key signs
    byte[] body;
    byte[] signature;       // 64 B r‖s
    byte[] attestationKey;  // 64 B x‖y
    byte[] qeReport;        // 384 B SGX report body
    byte[] qeReportSignature;
    byte[] qeAuthData;
    String pckChainPem;
    int trailing;

    static Quote parse(byte[] q) {
        Quote r = new Quote();
        r.version = Bin.u16(q, 0, "header.version");
        int keyType = Bin.u16(q, 2, "header.att_key_type");
        long teeType = Bin.u32(q, 4, "header.tee_type");
        if (r.version < 3 || r.version > 5) throw fail("header.version expected 3, 4 or 5, got " + r.version);
        if (keyType != 2) throw fail("header.att_key_type expected 2 (ECDSA-256 with P-256), got " + keyType);
        if (teeType != 0 && teeType != 0x81) {
            throw fail("header.tee_type expected 0x00 (SGX) or 0x81 (TDX), got 0x" + Long.toHexString(teeType));
        }
        r.tdx = teeType == 0x81;
        if (r.version == 3 && r.tdx) throw fail("header.tee_type 0x81 (TDX) needs quote version 4 or 5, got 3");
        int pos = HEADER;
        int bodyLen;
        if (r.version == 5) {
            int bodyType = Bin.u16(q, pos, "body_type");
            long bodySize = Bin.u32(q, pos + 2, "body_size");
            int expected = switch (bodyType) {
                case 1 -> SGX_BODY;
                case 2 -> TD10_BODY;
                case 3 -> TD15_BODY;
                default -> throw fail("body_type expected 1 (SGX), 2 (TD 1.0) or 3 (TD 1.5), got " + bodyType);
            };
            if (bodySize != expected) throw fail("body_size expected " + expected + " for type " + bodyType + ", got " + bodySize);
            if ((bodyType == 1) == r.tdx) throw fail("body_type " + bodyType + " does not fit tee_type 0x" + Long.toHexString(teeType));
            pos += 6;
            bodyLen = expected;
        } else {
            bodyLen = r.tdx ? TD10_BODY : SGX_BODY;
        }
        r.body = Bin.slice(q, pos, bodyLen, "report body");
        pos += bodyLen;
        r.signedPart = Arrays.copyOf(q, pos);
        long sigLen = Bin.u32(q, pos, "signature_data_len");
        pos += 4;
        Bin.need(q, pos, (int) Math.min(sigLen, Integer.MAX_VALUE), "signature data");
        int sigEnd = pos + (int) sigLen;
        r.trailing = q.length - sigEnd;
        byte[] s = Arrays.copyOfRange(q, pos, sigEnd);
        int p = 0;
        r.signature = Bin.slice(s, p, 64, "quote signature");
        r.attestationKey = Bin.slice(s, p + 64, 64, "attestation key");
        p += 128;
        if (r.version >= 4) {
            int type = Bin.u16(s, p, "certification data type");
            long size = Bin.u32(s, p + 2, "certification data size");
            if (type != 6) throw fail("certification data type expected 6 (QE report certification data), got " + type);
            p += 6;
            Bin.need(s, p, (int) Math.min(size, Integer.MAX_VALUE), "QE report certification data");
            s = Arrays.copyOfRange(s, p, p + (int) size);
            p = 0;
        }
        r.qeReport = Bin.slice(s, p, SGX_BODY, "QE report");
        r.qeReportSignature = Bin.slice(s, p + SGX_BODY, 64, "QE report signature");
        p += SGX_BODY + 64;
        int authLen = Bin.u16(s, p, "QE auth data size");
        r.qeAuthData = Bin.slice(s, p + 2, authLen, "QE auth data");
        p += 2 + authLen;
        int certType = Bin.u16(s, p, "PCK certification data type");
        long certSize = Bin.u32(s, p + 2, "PCK certification data size");
        if (certType != 5) throw fail("PCK certification data type expected 5 (PEM chain), got " + certType);
        byte[] pem = Bin.slice(s, p + 6, (int) Math.min(certSize, Integer.MAX_VALUE), "PCK certificate chain");
        r.pckChainPem = new String(pem, StandardCharsets.US_ASCII);
        return r;
    }

    static Failure fail(String reason) {
        return new Failure(Step.PARSE, reason);
    }

    boolean debug() {
        return tdx ? (body[120] & 0x01) != 0 : (body[48] & 0x02) != 0;
    }

    Bytes reportData() {
        return tdx ? Bytes.of(body, 520, 64) : Bytes.of(body, 320, 64);
    }

    byte[] teeTcbSvn() {
        return Arrays.copyOfRange(body, 0, 16);
    }

    Facts facts() {
        Map<String, Bytes> m = new LinkedHashMap<>();
        Map<String, String> a = new LinkedHashMap<>();
        a.put("quote_version", Integer.toString(version));
        a.put("qe_vendor_id", Bytes.of(signedPart, 12, 16).hex());
        if (tdx) {
            m.put("MRTD", Bytes.of(body, 136, 48));
            m.put("RTMR0", Bytes.of(body, 328, 48));
            m.put("RTMR1", Bytes.of(body, 376, 48));
            m.put("RTMR2", Bytes.of(body, 424, 48));
            m.put("RTMR3", Bytes.of(body, 472, 48));
            m.put("MRCONFIGID", Bytes.of(body, 184, 48));
            m.put("MROWNER", Bytes.of(body, 232, 48));
            m.put("MROWNERCONFIG", Bytes.of(body, 280, 48));
            m.put("MRSEAM", Bytes.of(body, 16, 48));
            m.put("MRSIGNERSEAM", Bytes.of(body, 64, 48));
            a.put("tee_tcb_svn", Bytes.of(body, 0, 16).hex());
            a.put("seam_attributes", Bytes.of(body, 112, 8).hex());
            a.put("td_attributes", Bytes.of(body, 120, 8).hex());
            a.put("xfam", Bytes.of(body, 128, 8).hex());
            if (body.length == TD15_BODY) {
                a.put("tee_tcb_svn2", Bytes.of(body, 584, 16).hex());
                m.put("MRSERVICETD", Bytes.of(body, 600, 48));
            }
        } else {
            m.put("MRENCLAVE", Bytes.of(body, 64, 32));
            m.put("MRSIGNER", Bytes.of(body, 128, 32));
            a.put("cpusvn", Bytes.of(body, 0, 16).hex());
            a.put("attributes", Bytes.of(body, 48, 16).hex());
            a.put("isvprodid", Integer.toString(Bin.u16(body, 256, "isvprodid")));
            a.put("isvsvn", Integer.toString(Bin.u16(body, 258, "isvsvn")));
        }
        return new Facts(tdx ? EvidenceKind.INTEL_TDX : EvidenceKind.INTEL_SGX, Optional.empty(), m,
                Optional.of(reportData()), Optional.empty(), Optional.empty(), Optional.empty(), debug(),
                Optional.empty(), List.of(), a);
    }
}
