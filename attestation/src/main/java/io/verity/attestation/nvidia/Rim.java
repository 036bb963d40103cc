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
 * (index, active, alternative golden SHA-384 values). The enveloped XML signature is not checked here.
 */
record Rim(String product, String colloquialVersion, List<Resource> resources) {

    record Resource(int index, boolean active, List<Bytes> golden) {}

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
            var doc = f.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
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
            return new Rim(root.getAttribute("name"), colloquial, out);
        } catch (Failure f) {
            throw f;
        } catch (Exception e) {
            throw new Failure(Step.PARSE, "RIM is not a readable SWID tag: " + e.getMessage());
        }
    }
}
