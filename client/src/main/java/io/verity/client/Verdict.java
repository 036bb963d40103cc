package io.verity.client;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.util.List;
import java.util.Objects;

/**
 * What a gateway says about how the answer was reached (docs/gateway.md, {@code verdict}). These are the
 * gateway's claims; {@link VerityClient} checks the ones it can against the receipts (quorum, agreement) and
 * refuses the answer when they do not hold. A node's answer has {@link #single()}.
 *
 * @param asked how many nodes were asked (1 for a single answer)
 * @param agreeing how many returned receipts support the answer
 * @param dissent nodes whose answer differed (under {@code majority}); never paid, never in the receipts
 */
public record Verdict(Status status, int asked, int agreeing, Comparison comparison, List<Dissent> dissent, Audit audit) {
    public Verdict {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(comparison, "comparison");
        Objects.requireNonNull(audit, "audit");
        dissent = List.copyOf(dissent);
        if (asked < 1) throw new IllegalArgumentException("verdict.asked must be >= 1, got " + asked);
        if (agreeing < 0 || agreeing > asked) {
            throw new IllegalArgumentException("verdict.agreeing must be between 0 and asked (" + asked + "), got " + agreeing);
        }
    }

    /** The verdict of a single node's answer (policy none). */
    public static Verdict single() {
        return new Verdict(Status.SINGLE, 1, 1, Comparison.BIT_EXACT, List.of(), Audit.NONE);
    }

    public enum Status {
        /** policy none: one node answered. */
        SINGLE("single"),
        /** redundant:k: every asked node agreed. */
        AGREED("agreed"),
        /** redundant:k: a majority agreed; {@link #dissent()} lists the others. */
        MAJORITY("majority"),
        /** sample:p: one node answered; {@link #audit()} says whether a re-run was drawn. */
        SAMPLED("sampled");

        private final String wireName;

        Status(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        static Status fromWireName(String s) {
            for (Status v : values()) if (v.wireName.equals(s)) return v;
            throw new IllegalArgumentException("must be single, agreed, majority or sampled, got '" + s + "'");
        }
    }

    public enum Audit {
        NONE("none"),
        /** A background re-run was drawn; a mismatch becomes evidence at the gateway, not an error here. */
        SCHEDULED("scheduled");

        private final String wireName;

        Audit(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        static Audit fromWireName(String s) {
            for (Audit v : values()) if (v.wireName.equals(s)) return v;
            throw new IllegalArgumentException("must be none or scheduled, got '" + s + "'");
        }
    }

    /** How the gateway compared answers: bit for bit, or within a per-model tolerance. */
    public sealed interface Comparison {
        Comparison BIT_EXACT = new BitExact();

        record BitExact() implements Comparison {}

        /** {@code spec} is what follows {@code tolerance:} on the wire; the gateway defines its syntax. */
        record Tolerance(String spec) implements Comparison {
            public Tolerance {
                Objects.requireNonNull(spec, "spec");
            }
        }

        static Comparison fromWireName(String s) {
            if (s.equals("bit-exact")) return BIT_EXACT;
            if (s.startsWith("tolerance:")) return new Tolerance(s.substring("tolerance:".length()));
            throw new IllegalArgumentException("must be bit-exact or tolerance:…, got '" + s + "'");
        }
    }

    /** A node whose answer lost the vote. */
    public record Dissent(EvmAddress node, Keccak256 receiptId, Keccak256 outputsDigest) {
        public Dissent {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(receiptId, "receiptId");
            Objects.requireNonNull(outputsDigest, "outputsDigest");
        }
    }
}
