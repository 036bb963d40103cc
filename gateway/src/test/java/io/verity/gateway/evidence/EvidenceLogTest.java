package io.verity.gateway.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.VerificationMode;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the dispute and committee feeds read from the evidence log: the disagreements a dispute can be opened on. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EvidenceLogTest {
    static final Keccak256 REQUEST = Keccak256.hash(new byte[] {7});
    static final Keccak256 MODEL = Keccak256.hash(new byte[] {8});
    @TempDir Path home;

    static SignedReceipt receipt(int node, int output) {
        NodeKey key = NodeKey.fromPrivateKey("0x" + String.format("%064x", node));
        Receipt r = new Receipt(Receipt.VERSION, REQUEST, MODEL, "fake/1", Keccak256.hash(new byte[] {1}),
                Keccak256.hash(new byte[] {(byte) output}), Keccak256.ZERO, key.address(), Keccak256.ZERO,
                VerificationMode.NONE, BigInteger.ONE, 1);
        return SignedReceipt.sign(r, Eip712Domain.LOCAL, key);
    }

    static EvidenceLog.Entry entry(EvidenceLog.Kind kind, List<SignedReceipt> accused, List<SignedReceipt> majority) {
        return new EvidenceLog.Entry(Instant.EPOCH, kind, accused.isEmpty() ? majority.getFirst().receipt().node()
                : accused.getFirst().receipt().node(), REQUEST, MODEL, "redundant:3", accused, majority, Optional.empty());
    }

    @Test
    void minorities_and_audit_mismatches_naming_both_sides_are_disagreements_in_log_order() {
        SignedReceipt liar = receipt(1, 1), honest = receipt(2, 2), other = receipt(3, 2), audited = receipt(4, 3);
        try (EvidenceLog log = new EvidenceLog(home)) {
            log.append(entry(EvidenceLog.Kind.MINORITY, List.of(liar), List.of(honest, other)));
            log.append(entry(EvidenceLog.Kind.UNRESOLVED, List.of(liar), List.of(honest))); // no referee: nothing to prove
            log.append(entry(EvidenceLog.Kind.EQUIVOCATION, List.of(liar, liar), List.of(honest)));
            log.append(entry(EvidenceLog.Kind.MINORITY, List.of(), List.of(honest))); // no accused receipt
            log.append(entry(EvidenceLog.Kind.AUDIT_MISMATCH, List.of(audited), List.of(other)));
            assertThat(log.recentDisagreements()).containsExactly(new EvidenceLog.Disagreement(liar, honest),
                    new EvidenceLog.Disagreement(audited, other));
        }
    }
}
