package io.verity.attestation.nvidia;

import io.verity.attestation.Bytes;
import io.verity.attestation.Step;
import io.verity.attestation.internal.Failure;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * An NVIDIA reference integrity manifest (SWID tag): the product, colloquial version and measurement resources
 * (index, active, alternative golden SHA-384 values), and its enveloped XML signature, whose KeyInfo chain must
 * end at the pinned NVIDIA CoRIM signing root.
 */
record Rim(String product, String colloquialVersion, List<Resource> resources, org.w3c.dom.Document document) {

    record Resource(int index, boolean active, List<Bytes> golden) {}

    /**
     * Checks the enveloped XMLDSig signature with the KeyInfo leaf key and the KeyInfo chain to the pinned root.
     *
     * @throws Failure at {@link Step#COLLATERAL} naming the RIM and what failed
     */
    void verifySignature(java.time.Instant at, String pinnedRootSha256) {
        String name = "RIM " + product + " " + colloquialVersion;
        try {
            NodeList sigs = document.getElementsByTagNameNS(javax.xml.crypto.dsig.XMLSignature.XMLNS, "Signature");
            if (sigs.getLength() != 1) {
                throw new Failure(Step.COLLATERAL, name + " expected one XML signature, found " + sigs.getLength());
            }
            NodeList certNodes = ((Element) sigs.item(0)).getElementsByTagNameNS(
                    javax.xml.crypto.dsig.XMLSignature.XMLNS, "X509Certificate");
            List<java.security.cert.X509Certificate> chain = new ArrayList<>();
            for (int i = 0; i < certNodes.getLength(); i++) {
                chain.add(io.verity.attestation.internal.Certs.parse(
                        java.util.Base64.getMimeDecoder().decode(certNodes.item(i).getTextContent().strip())));
            }
            if (chain.isEmpty()) throw new Failure(Step.COLLATERAL, name + " signature carries no certificate");
            try {
                io.verity.attestation.internal.Certs.verifyChain(chain, pinnedRootSha256, "NVIDIA CoRIM signing Root CA", at);
            } catch (Failure f) {
                throw new Failure(Step.COLLATERAL, name + " signing chain: " + f.getMessage());
            }
            var ctx = new javax.xml.crypto.dsig.dom.DOMValidateContext(chain.get(0).getPublicKey(), sigs.item(0));
            ctx.setProperty("org.jcp.xml.dsig.secureValidation", Boolean.TRUE);
            var sig = javax.xml.crypto.dsig.XMLSignatureFactory.getInstance("DOM").unmarshalXMLSignature(ctx);
            if (!sig.validate(ctx)) {
                throw new Failure(Step.COLLATERAL, name + " XML signature does not verify with "
                        + chain.get(0).getSubjectX500Principal().getName());
            }
        } catch (Failure f) {
            throw f;
        } catch (Exception e) {
            throw new Failure(Step.COLLATERAL, name + " XML signature cannot be checked: " + e.getMessage());
        }
    }

    List<Resource> active() {
        return resources.stream().filter(Resource::active).toList();
    }

    static Rim parse(String xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setExpandEntityReferences(false);
            var builder = f.newDocumentBuilder();
            builder.setErrorHandler(new org.xml.sax.ErrorHandler() { // report through the verdict, not stderr
                @Override
                public void warning(org.xml.sax.SAXParseException e) {}

                @Override
                public void error(org.xml.sax.SAXParseException e) throws org.xml.sax.SAXException {
                    throw e;
                }

                @Override
                public void fatalError(org.xml.sax.SAXParseException e) throws org.xml.sax.SAXException {
                    throw e;
                }
            });
            var doc = builder.parse(new InputSource(new StringReader(xml)));
            Element root = doc.getDocumentElement();
            if (!"SoftwareIdentity".equals(root.getLocalName())) {
                throw new Failure(Step.PARSE, "RIM expected a SoftwareIdentity root element, got " + root.getLocalName());
            }
            String colloquial = "";
            NodeList metas = doc.getElementsByTagNameNS("*", "Meta");
            if (metas.getLength() > 0) colloquial = ((Element) metas.item(0)).getAttribute("colloquialVersion");
            List<Resource> out = new ArrayList<>();
            NodeList res = doc.getElementsByTagNameNS("*", "Resource");
            for (int i = 0; i < res.getLength(); i++) {
                Element e = (Element) res.item(i);
                if (!"Measurement".equals(e.getAttribute("type"))) continue;
                int index = Integer.parseInt(e.getAttribute("index"));
                boolean active = "true".equalsIgnoreCase(e.getAttribute("active"));
                List<Bytes> golden = new ArrayList<>();
                NamedNodeMap attrs = e.getAttributes();
                for (int a = 0; a < attrs.getLength(); a++) {
                    var attr = attrs.item(a);
                    String local = attr.getLocalName() == null ? attr.getNodeName() : attr.getLocalName();
                    if (local.startsWith("Hash")) golden.add(Bytes.ofHex(attr.getNodeValue()));
                }
                out.add(new Resource(index, active, golden));
            }
            return new Rim(root.getAttribute("name"), colloquial, out, doc);
        } catch (Failure f) {
            throw f;
        } catch (Exception e) {
            throw new Failure(Step.PARSE, "RIM is not a readable SWID tag: " + e.getMessage());
        }
    }
}
