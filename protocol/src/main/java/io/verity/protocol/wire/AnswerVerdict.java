package io.verity.protocol.wire;

import static io.verity.protocol.wire.GatewayAnswer.address;
import static io.verity.protocol.wire.GatewayAnswer.bytes32;
import static io.verity.protocol.wire.GatewayAnswer.integer;
import static io.verity.protocol.wire.GatewayAnswer.text;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.Checks;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.WireName;
import io.verity.protocol.json.InvalidFieldException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * What a gateway says about how an answer was reached (docs/gateway.md, {@code verdict}): the gateway writes it,
 * the SDK reads it and checks the claims it can against the receipts (quorum, agreement). A node's answer has
 * {@link #single()}. (Not to be confused with a receipt's signature check, {@code ReceiptVerdict}, or a TEE
 * evidence check, attestation's {@code Verdict}.)
 *
 * @param asked how many nodes were asked (1 for a single answer)
 * @param agreeing how many returned receipts support the answer
 * @param dissent nodes whose answer differed (under {@code majority}); never paid, never in the receipts
 */
public record AnswerVerdict(Status status, int asked, int agreeing, Comparison comparison, List<Dissent> dissent, Audit audit) {
    public AnswerVerdict {
        Checks.nonNull("status", status, "comparison", comparison, "audit", audit);
        dissent = List.copyOf(dissent);
        if (asked < 1) throw new IllegalArgumentException("verdict.asked must be >= 1, got " + asked);
        if (agreeing < 0 || agreeing > asked) {
            throw new IllegalArgumentException("verdict.agreeing must be between 0 and asked (" + asked + "), got " + agreeing);
        }
    }

    /** The verdict of a single node's answer (policy none). */
    public static AnswerVerdict single() {
        return new AnswerVerdict(Status.SINGLE, 1, 1, Comparison.NOT_COMPARED, List.of(), Audit.NONE);
    }

    /**
     * Reads {@code v}, the member at {@code pointer}.
     *
     * @throws InvalidFieldException naming the JSON Pointer of the first bad field
     */
    public static AnswerVerdict read(JsonNode v, String pointer) {
        if (v == null || !v.isObject()) throw new InvalidFieldException(pointer, "must be an object");
        Status status = parse(Status::fromWireName, v, "status", pointer);
        Comparison comparison = v.hasNonNull("comparison")
                ? parse(Comparison::fromWireName, v, "comparison", pointer)
                : Comparison.NOT_COMPARED;
        Audit audit = v.hasNonNull("audit") ? parse(Audit::fromWireName, v, "audit", pointer) : Audit.NONE;
        List<Dissent> dissent = new ArrayList<>();
        JsonNode ds = v.path("dissent");
        if (!ds.isMissingNode() && !ds.isNull() && !ds.isArray()) throw new InvalidFieldException(pointer + "/dissent", "must be an array");
        for (int i = 0; i < ds.size(); i++) {
            String p = pointer + "/dissent/" + i;
            JsonNode d = ds.get(i);
            if (!d.isObject()) throw new InvalidFieldException(p, "must be an object");
            dissent.add(new Dissent(address(d, "node", p), bytes32(d, "receiptId", p), bytes32(d, "outputsDigest", p)));
        }
        int asked = integer(v, "asked", pointer), agreeing = integer(v, "agreeing", pointer);
        try {
            return new AnswerVerdict(status, asked, agreeing, comparison, dissent, audit);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException(pointer + "/agreeing", e.getMessage());
        }
    }

    private static <T> T parse(Function<String, T> parser, JsonNode obj, String field, String pointer) {
        String s = text(obj, field, pointer);
        try {
            return parser.apply(s);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException(pointer + "/" + field, e.getMessage());
        }
    }

    /** Writes the verdict object; a comparison of one answer ({@link Comparison#NOT_COMPARED}) is left out. */
    public void write(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("status", status.wireName());
        g.writeNumberField("asked", asked);
        g.writeNumberField("agreeing", agreeing);
        if (comparison != Comparison.NOT_COMPARED) g.writeStringField("comparison", comparison.wireName());
        g.writeArrayFieldStart("dissent");
        for (Dissent d : dissent) {
            g.writeStartObject();
            g.writeStringField("node", d.node().toString());
            g.writeStringField("receiptId", d.receiptId().toHex());
            g.writeStringField("outputsDigest", d.outputsDigest().toHex());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeStringField("audit", audit.wireName());
        g.writeEndObject();
    }

    public enum Status implements WireName {
        /** policy none: one node answered. */
        SINGLE,
        /** redundant:k: every asked node agreed. */
        AGREED,
        /** redundant:k: a majority agreed; {@link #dissent()} lists the others. */
        MAJORITY,
        /** sample:p: one node answered; {@link #audit()} says whether a re-run was drawn. */
        SAMPLED;

        /** @throws IllegalArgumentException for any other name */
        public static Status fromWireName(String s) {
            return WireName.find(Status.class, s).orElseThrow(() ->
                    new IllegalArgumentException("must be single, agreed, majority or sampled, got '" + s + "'"));
        }
    }

    public enum Audit implements WireName {
        NONE,
        /** A background re-run was drawn; a mismatch becomes evidence at the gateway, not an error here. */
        SCHEDULED;

        /** @throws IllegalArgumentException for any other name */
        public static Audit fromWireName(String s) {
            return WireName.find(Audit.class, s).orElseThrow(() ->
                    new IllegalArgumentException("must be none or scheduled, got '" + s + "'"));
        }
    }

    /** How the gateway compared answers: bit for bit, within a per-model tolerance, or not at all (one answer). */
    public sealed interface Comparison {
        Comparison BIT_EXACT = new BitExact();
        /** One answer, nothing compared: the member is left out on the wire. */
        Comparison NOT_COMPARED = new NotCompared();

        /** What the wire says: {@code bit-exact}, {@code tolerance:<spec>}, or {@code none}. */
        String wireName();

        record BitExact() implements Comparison {
            @Override
            public String wireName() {
                return "bit-exact";
            }
        }

        record NotCompared() implements Comparison {
            @Override
            public String wireName() {
                return "none";
            }
        }

        /** {@code spec} is what follows {@code tolerance:} on the wire; the gateway defines its syntax. */
        record Tolerance(String spec) implements Comparison {
            public Tolerance {
                Objects.requireNonNull(spec, "spec");
            }

            @Override
            public String wireName() {
                return "tolerance:" + spec;
            }
        }

        /** @throws IllegalArgumentException for anything else */
        public static Comparison fromWireName(String s) {
            if (s.equals("bit-exact")) return BIT_EXACT;
            if (s.equals("none")) return NOT_COMPARED;
            if (s.startsWith("tolerance:")) return new Tolerance(s.substring("tolerance:".length()));
            throw new IllegalArgumentException("must be bit-exact, none or tolerance:…, got '" + s + "'");
        }
    }

    /** A node whose answer lost the vote. */
    public record Dissent(EvmAddress node, Keccak256 receiptId, Keccak256 outputsDigest) {
        public Dissent {
            Checks.nonNull("node", node, "receiptId", receiptId, "outputsDigest", outputsDigest);
        }
    }
}
