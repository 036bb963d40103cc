package io.verity.node;

import io.verity.attestation.Attestations;
import io.verity.attestation.EvidenceKind;
import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The TEE evidence a node presents ({@code --attestation FILE}, plus {@code --attestation-with FILE} for the
 * collateral its family needs), served as is at {@code GET /v1/attestation}. The node never produces or
 * checks evidence itself: it is whatever its enclave gave the operator, and a node without it says "none".
 *
 * @param digest keccak256 of {@code evidence} exactly as served: the receipts' {@code attestationDigest} and the
 *     registry's evidence digest
 */
public record NodeEvidence(EvidenceKind kind, byte[] evidence, List<byte[]> extras, Keccak256 digest) {
    public NodeEvidence {
        Objects.requireNonNull(kind, "kind");
        evidence = evidence.clone();
        extras = extras.stream().map(byte[]::clone).toList();
        Objects.requireNonNull(digest, "digest");
    }

    @Override
    public byte[] evidence() {
        return evidence.clone();
    }

    @Override
    public List<byte[]> extras() {
        return extras.stream().map(byte[]::clone).toList();
    }

    /**
     * Reads the evidence and its extras; the kind is detected from the evidence bytes.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read or is no supported evidence
     */
    public static NodeEvidence read(Path file, List<Path> with) {
        byte[] bytes = readFile(file, "--attestation");
        EvidenceKind kind = Attestations.detect(bytes).orElseThrow(() -> new IllegalArgumentException(
                "--attestation " + file + " is not TEE evidence Verity knows (a Nitro document, a DCAP quote, an SEV-SNP"
                        + " report or an NVIDIA SPDM transcript)"));
        List<byte[]> extras = new ArrayList<>();
        for (Path p : with) extras.add(readFile(p, "--attestation-with"));
        return new NodeEvidence(kind, bytes, extras, Keccak256.hash(bytes));
    }

    private static byte[] readFile(Path file, String flag) {
        try {
            byte[] b = Files.readAllBytes(file);
            if (b.length == 0) throw new IllegalArgumentException(flag + " " + file + " is empty");
            return b;
        } catch (IOException e) {
            throw new IllegalArgumentException(flag + " " + file + " cannot be read: " + e.getMessage());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeEvidence e && e.digest.equals(digest);
    }

    @Override
    public int hashCode() {
        return digest.hashCode();
    }

    @Override
    public String toString() {
        return kind.id() + " evidence " + digest;
    }
}
