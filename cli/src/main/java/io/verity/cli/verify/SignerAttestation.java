package io.verity.cli.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.attestation.Attestations;
import io.verity.attestation.Bytes;
import io.verity.attestation.EvidenceKind;
import io.verity.attestation.KeyBinding;
import io.verity.attestation.MeasurementDigest;
import io.verity.attestation.Policy;
import io.verity.attestation.Verdict;
import io.verity.chain.ChainAccount;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.Deployment;
import io.verity.chain.contracts.NodeAttestation;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.SignedReceipt;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The "attestation" line of {@code verity verify}: what the signer's TEE evidence is worth. Informational only:
 * it never changes the exit code, since a receipt without evidence is still a valid signed receipt. With a chain,
 * the evidence the signer attested in NodeRegistry is fetched, checked against the receipt's digest and verified
 * (default policy, now, the registry's allowlist, bound to the signer's address); offline only the digest is shown.
 */
public final class SignerAttestation {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SignerAttestation() {}

    static String describe(SignedReceipt receipt, Optional<Deployment> deployment) {
        Keccak256 digest = receipt.receipt().attestationDigest();
        if (digest.isZero()) return "none (the signer presented no TEE evidence; trust rests on the signature and re-execution)";
        if (deployment.isEmpty()) return digest + " (evidence not checked offline; without --offline it is fetched and verified)";
        EvmAddress signer = receipt.receipt().node();
        try (ChainClients chain = ChainClients.connect(deployment.get(), ChainAccount.READ_ONLY)) {
            Optional<NodeAttestation> onChain = chain.nodes().attestation(signer);
            if (onChain.isEmpty()) return digest + " not verified: the signer never attested in NodeRegistry";
            NodeAttestation a = onChain.get();
            if (!a.evidenceDigest().equals(digest)) {
                return digest + " not verified: NodeRegistry now records " + a.kind() + " evidence " + a.evidenceDigest()
                        + " for the signer";
            }
            byte[] evidence;
            List<byte[]> extras = new ArrayList<>();
            try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()) {
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(a.evidenceUri()))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() != 200) return digest + " not verified: " + a.evidenceUri() + " answered " + r.statusCode();
                JsonNode body = JSON.readTree(r.body());
                evidence = Base64.getDecoder().decode(body.path("evidence").asText(""));
                for (JsonNode x : body.path("extras")) extras.add(Base64.getDecoder().decode(x.asText()));
            } catch (Exception e) {
                if (e instanceof InterruptedException) Thread.currentThread().interrupt();
                return digest + " not verified: cannot fetch the evidence from " + a.evidenceUri() + " (" + e.getMessage() + ")";
            }
            if (!Keccak256.hash(evidence).equals(digest)) {
                return digest + " not verified: " + a.evidenceUri() + " serves evidence hashing to " + Keccak256.hash(evidence);
            }
            Verdict v = Attestations.verify(evidence, EvidenceKind.byId(a.kind()), Policy.defaults(), extras, Instant.now());
            if (v instanceof Verdict.Rejected r) return a.kind() + " evidence " + digest + " rejected at " + r.failed().id() + ": " + r.reason();
            Keccak256 measurement = Keccak256.wrap(MeasurementDigest.of(((Verdict.Valid) v).facts()).toArray());
            if (!chain.nodes().isAllowedMeasurement(a.kind(), measurement)) {
                return a.kind() + " evidence " + digest + " rejected at measurement-allowlist: measurement " + measurement
                        + " is not on NodeRegistry's allowlist";
            }
            Verdict bound = KeyBinding.apply(v, Bytes.of(signer.toArray()));
            if (bound instanceof Verdict.Rejected r) return a.kind() + " evidence " + digest + " rejected at key-binding: " + r.reason();
            return "verified (" + a.kind() + ", measurement " + measurement + ", attested " + a.attestedAt()
                    + ", bound to the signer)";
        }
    }
}
