package io.verity.attestation.tdx;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.attestation.Step;
import io.verity.attestation.internal.Bin;
import io.verity.attestation.internal.Failure;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1Enumerated;

/**
 * TCB level matching: the PCK certificate's SGX extension (FMSPC, PCE-ID, 16 CPU SVN components, PCESVN) and,
 * for TDX, the quote's TEE_TCB_SVN against the TCB info levels (first level that every component meets);
 * the QE report against the QE identity; the TDX module against its identity. Statuses combine to the worst.
 */
final class Tcb {
    private static final String SGX_EXT = "1.2.840.113741.1.13.1";
    private static final List<String> ORDER = io.verity.attestation.Policy.TCB_STATUSES;
    private static final HexFormat HEX = HexFormat.of();

    record Result(String status, List<String> advisories, String platformStatus, String qeStatus,
                  Optional<String> moduleStatus, String fmspc, String pceId) {}

    record PckTcb(int[] components, int pceSvn, byte[] fmspc, byte[] pceId) {}

    static Result evaluate(Quote q, X509Certificate pckCert, JsonNode tcbInfo, JsonNode qeIdentity) {
        PckTcb pck = pckTcb(pckCert);
        String fmspc = HEX.formatHex(pck.fmspc());
        String pceId = HEX.formatHex(pck.pceId());
        if (!fmspc.equalsIgnoreCase(tcbInfo.path("fmspc").asText())) {
            throw fail("PCK certificate FMSPC " + fmspc + " differs from tcb_info.fmspc " + tcbInfo.path("fmspc"));
        }
        if (!pceId.equalsIgnoreCase(tcbInfo.path("pceId").asText())) {
            throw fail("PCK certificate PCE-ID " + pceId + " differs from tcb_info.pceId " + tcbInfo.path("pceId"));
        }
        byte[] teeTcbSvn = q.tdx ? q.teeTcbSvn() : null;
        String platform = null;
        List<String> advisories = new ArrayList<>();
        int index = 0;
        for (JsonNode level : tcbInfo.path("tcbLevels")) {
            if (matches(level.path("tcb"), pck, teeTcbSvn)) {
                platform = level.path("tcbStatus").asText();
                level.path("advisoryIDs").forEach(a -> advisories.add(a.asText()));
                break;
            }
            index++;
        }
        if (platform == null) {
            throw fail("no tcb_info.tcbLevels entry matches the platform (PCK components "
                    + java.util.Arrays.toString(pck.components()) + ", PCESVN " + pck.pceSvn()
                    + (teeTcbSvn == null ? "" : ", TEE_TCB_SVN " + HEX.formatHex(teeTcbSvn)) + ")");
        }
        String qe = qeStatus(q, qeIdentity, advisories);
        Optional<String> module = q.tdx ? Optional.of(moduleStatus(q, tcbInfo, advisories)) : Optional.empty();
        String combined = combine(platform, qe);
        if (module.isPresent()) combined = combine(combined, module.get());
        Set<String> unique = new LinkedHashSet<>(advisories);
        return new Result(combined, List.copyOf(unique), platform, qe, module, fmspc, pceId);
    }

    private static boolean matches(JsonNode tcb, PckTcb pck, byte[] teeTcbSvn) {
        JsonNode sgx = tcb.path("sgxtcbcomponents");
        if (!sgx.isArray() || sgx.size() != 16) throw fail("tcbLevels[].tcb.sgxtcbcomponents expected 16 entries");
        for (int i = 0; i < 16; i++) {
            if (pck.components()[i] < sgx.get(i).path("svn").asInt()) return false;
        }
        if (pck.pceSvn() < tcb.path("pcesvn").asInt()) return false;
        if (teeTcbSvn != null) {
            JsonNode tdx = tcb.path("tdxtcbcomponents");
            if (!tdx.isArray() || tdx.size() != 16) throw fail("tcbLevels[].tcb.tdxtcbcomponents expected 16 entries");
            // With a TDX module major version > 0 the first two bytes are checked by the module identity instead.
            int start = (teeTcbSvn[1] & 0xff) > 0 ? 2 : 0;
            for (int i = start; i < 16; i++) {
                if ((teeTcbSvn[i] & 0xff) < tdx.get(i).path("svn").asInt()) return false;
            }
        }
        return true;
    }

    private static String qeStatus(Quote q, JsonNode id, List<String> advisories) {
        byte[] r = q.qeReport;
        long miscselect = Bin.u32(r, 16, "QE miscselect");
        long idMisc = Long.parseLong(id.path("miscselect").asText(), 16);
        long idMiscMask = Long.parseLong(id.path("miscselectMask").asText(), 16);
        if ((miscselect & idMiscMask) != (idMisc & idMiscMask)) {
            throw fail("QE miscselect 0x" + Long.toHexString(miscselect) + " does not match qe_identity.miscselect "
                    + id.path("miscselect").asText() + " under mask " + id.path("miscselectMask").asText());
        }
        byte[] attrs = java.util.Arrays.copyOfRange(r, 48, 64);
        byte[] idAttrs = HEX.parseHex(id.path("attributes").asText());
        byte[] mask = HEX.parseHex(id.path("attributesMask").asText());
        if (idAttrs.length != 16 || mask.length != 16) throw fail("qe_identity.attributes/attributesMask expected 16 bytes");
        for (int i = 0; i < 16; i++) {
            if ((attrs[i] & mask[i]) != (idAttrs[i] & mask[i])) {
                throw fail("QE attributes " + HEX.formatHex(attrs) + " do not match qe_identity.attributes "
                        + id.path("attributes").asText() + " under its mask");
            }
        }
        String mrsigner = HEX.formatHex(java.util.Arrays.copyOfRange(r, 128, 160));
        if (!mrsigner.equalsIgnoreCase(id.path("mrsigner").asText())) {
            throw fail("QE MRSIGNER " + mrsigner + " differs from qe_identity.mrsigner " + id.path("mrsigner").asText());
        }
        int prodId = Bin.u16(r, 256, "QE isvprodid");
        if (prodId != id.path("isvprodid").asInt()) {
            throw fail("QE ISVPRODID " + prodId + " differs from qe_identity.isvprodid " + id.path("isvprodid"));
        }
        int svn = Bin.u16(r, 258, "QE isvsvn");
        for (JsonNode level : id.path("tcbLevels")) {
            if (svn >= level.path("tcb").path("isvsvn").asInt()) {
                level.path("advisoryIDs").forEach(a -> advisories.add(a.asText()));
                return level.path("tcbStatus").asText();
            }
        }
        throw fail("QE ISVSVN " + svn + " is below every qe_identity.tcbLevels entry");
    }

    private static String moduleStatus(Quote q, JsonNode tcbInfo, List<String> advisories) {
        byte[] svn = q.teeTcbSvn();
        int minor = svn[0] & 0xff;
        int major = svn[1] & 0xff;
        String mrSignerSeam = HEX.formatHex(java.util.Arrays.copyOfRange(q.body, 64, 112));
        byte[] seamAttributes = java.util.Arrays.copyOfRange(q.body, 112, 120);
        if (major == 0) {
            checkModule(tcbInfo.path("tdxModule"), "tcb_info.tdxModule", mrSignerSeam, seamAttributes);
            return "UpToDate";
        }
        String id = String.format(Locale.ROOT, "TDX_%02X", major);
        for (JsonNode m : tcbInfo.path("tdxModuleIdentities")) {
            if (!id.equalsIgnoreCase(m.path("id").asText())) continue;
            checkModule(m, "tdxModuleIdentities[" + id + "]", mrSignerSeam, seamAttributes);
            for (JsonNode level : m.path("tcbLevels")) {
                if (minor >= level.path("tcb").path("isvsvn").asInt()) {
                    level.path("advisoryIDs").forEach(a -> advisories.add(a.asText()));
                    return level.path("tcbStatus").asText();
                }
            }
            throw fail("TDX module " + id + " ISVSVN " + minor + " is below every tcbLevels entry of its identity");
        }
        throw fail("tcb_info has no tdxModuleIdentities entry " + id + " for TEE_TCB_SVN " + HEX.formatHex(svn));
    }

    private static void checkModule(JsonNode m, String name, String mrSignerSeam, byte[] seamAttributes) {
        if (!mrSignerSeam.equalsIgnoreCase(m.path("mrsigner").asText())) {
            throw fail("MRSIGNERSEAM " + mrSignerSeam + " differs from " + name + ".mrsigner " + m.path("mrsigner").asText());
        }
        byte[] attrs = HEX.parseHex(m.path("attributes").asText());
        byte[] mask = HEX.parseHex(m.path("attributesMask").asText());
        if (attrs.length != 8 || mask.length != 8) throw fail(name + ".attributes/attributesMask expected 8 bytes");
        for (int i = 0; i < 8; i++) {
            if ((seamAttributes[i] & mask[i]) != (attrs[i] & mask[i])) {
                throw fail("SEAM attributes " + HEX.formatHex(seamAttributes) + " do not match " + name + ".attributes");
            }
        }
    }

    /** The worse of two statuses; OutOfDate with a configuration status becomes OutOfDateConfigurationNeeded. */
    static String combine(String a, String b) {
        int ra = rank(a);
        int rb = rank(b);
        boolean outOfDate = a.equals("OutOfDate") || b.equals("OutOfDate");
        boolean config = a.startsWith("Configuration") || b.startsWith("Configuration");
        if (outOfDate && config) return "OutOfDateConfigurationNeeded";
        return ra >= rb ? a : b;
    }

    private static int rank(String s) {
        int r = ORDER.indexOf(s);
        if (r < 0) throw fail("unknown TCB status \"" + s + "\"");
        return r;
    }

    static PckTcb pckTcb(X509Certificate pck) {
        byte[] ext = pck.getExtensionValue(SGX_EXT);
        if (ext == null) throw fail("PCK certificate has no SGX extension " + SGX_EXT);
        int[] comps = new int[16];
        int pceSvn = -1;
        byte[] fmspc = null;
        byte[] pceId = null;
        boolean tcbFound = false;
        try {
            ASN1Sequence seq = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(
                    ASN1OctetString.getInstance(ext).getOctets()));
            for (ASN1Encodable e : seq) {
                ASN1Sequence kv = ASN1Sequence.getInstance(e);
                String oid = ASN1ObjectIdentifier.getInstance(kv.getObjectAt(0)).getId();
                ASN1Encodable v = kv.getObjectAt(1);
                switch (oid.substring(SGX_EXT.length())) {
                    case ".2" -> {
                        tcbFound = true;
                        for (ASN1Encodable t : ASN1Sequence.getInstance(v)) {
                            ASN1Sequence tkv = ASN1Sequence.getInstance(t);
                            String toid = ASN1ObjectIdentifier.getInstance(tkv.getObjectAt(0)).getId();
                            String suffix = toid.substring(toid.lastIndexOf('.') + 1);
                            int n = Integer.parseInt(suffix);
                            if (n >= 1 && n <= 16) comps[n - 1] = intValue(tkv.getObjectAt(1));
                            else if (n == 17) pceSvn = intValue(tkv.getObjectAt(1));
                        }
                    }
                    case ".3" -> pceId = ASN1OctetString.getInstance(v).getOctets();
                    case ".4" -> fmspc = ASN1OctetString.getInstance(v).getOctets();
                    default -> { }
                }
            }
        } catch (Failure f) {
            throw f;
        } catch (Exception e) {
            throw fail("PCK certificate SGX extension is malformed: " + e.getMessage());
        }
        if (!tcbFound || pceSvn < 0 || fmspc == null || pceId == null) {
            throw fail("PCK certificate SGX extension lacks TCB, PCESVN, FMSPC or PCE-ID");
        }
        return new PckTcb(comps, pceSvn, fmspc, pceId);
    }

    private static int intValue(ASN1Encodable v) {
        if (v instanceof ASN1Enumerated en) return en.intValueExact();
        return ASN1Integer.getInstance(v).intValueExact();
    }

    private static Failure fail(String reason) {
        return new Failure(Step.TCB_STATUS, reason);
    }
}
