package io.verity.gateway.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.SignedReceipt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Disagreements this gateway saw, each with the receipts on both sides, appended to
 * {@code home/evidence.jsonl} (one JSON object a line, fsync'd) so they outlive the process and can be taken
 * to a dispute. The newest entries are also kept in memory for {@code GET /v1/evidence}.
 */
public final class EvidenceLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEPT = 1000;

    /** Why a node is accused. */
    public enum Kind {
        /** Outvoted under redundant:k. */
        MINORITY("minority"),
        /** A sampled re-run disagreed with the node, and a referee sided with the re-run. */
        AUDIT_MISMATCH("audit-mismatch"),
        /** A sampled re-run disagreed and no third node could referee. */
        UNRESOLVED("unresolved"),
        /** Two receipts from the same node, same request and model, different outputs: the chain can judge this. */
        EQUIVOCATION("equivocation"),
        /**
         * A v2 receipt says another model served than the client asked for (and the request did not allow it):
         * the gateway refused the answer and paid nothing. Not a disagreement between nodes: nothing to dispute.
         */
        SUBSTITUTION("substitution");

        public final String wire;

        Kind(String wire) {
            this.wire = wire;
        }
    }

    /**
     * @param accused receipts signed by the accused node
     * @param majority receipts of the answer that prevailed (empty for unresolved and substitution)
     * @param slashTx the Settlement.reportEquivocation transaction, when one was sent
     */
    public record Entry(Instant at, Kind kind, EvmAddress node, Keccak256 requestId, Keccak256 model, String policy,
            List<SignedReceipt> accused, List<SignedReceipt> majority, Optional<String> slashTx) {}

    private final FileChannel file;
    private final Deque<Entry> recent = new ArrayDeque<>();

    public EvidenceLog(Path home) {
        try {
            Files.createDirectories(home);
            file = FileChannel.open(home.resolve("evidence.jsonl"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the evidence log in " + home, e);
        }
    }

    public synchronized void append(Entry e) {
        try {
            byte[] line = (JSON.writeValueAsString(json(e)) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ByteBuffer buf = ByteBuffer.wrap(line);
            while (buf.hasRemaining()) file.write(buf);
            file.force(false);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot append to the evidence log", ex);
        }
        recent.addLast(e);
        if (recent.size() > KEPT) recent.removeFirst();
    }

    public synchronized List<Entry> recent() {
        return new ArrayList<>(recent);
    }

    /** A recorded disagreement: the first accused receipt and the first of the majority it disagreed with. */
    public record Disagreement(SignedReceipt accused, SignedReceipt majority) {}

    /**
     * The recent minority and audit-mismatch entries that name both an accused and a majority receipt: what a
     * dispute (a trace bisection or a committee's) can be opened on.
     */
    public List<Disagreement> recentDisagreements() {
        List<Disagreement> found = new ArrayList<>();
        for (Entry e : recent()) {
            if (e.kind() != Kind.MINORITY && e.kind() != Kind.AUDIT_MISMATCH) continue;
            if (e.accused().isEmpty() || e.majority().isEmpty()) continue;
            found.add(new Disagreement(e.accused().getFirst(), e.majority().getFirst()));
        }
        return found;
    }

    public static ObjectNode json(Entry e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("at", e.at().toString());
        o.put("kind", e.kind().wire);
        o.put("node", e.node().toString());
        o.put("requestId", e.requestId().toHex());
        o.put("model", e.model().toHex());
        o.put("policy", e.policy());
        o.set("accused", receipts(e.accused()));
        o.set("majority", receipts(e.majority()));
        e.slashTx().ifPresent(tx -> o.put("slashTx", tx));
        return o;
    }

    private static JsonNode receipts(List<SignedReceipt> rs) {
        ArrayNode a = JSON.createArrayNode();
        for (SignedReceipt r : rs) a.add(ReceiptJson.write(r));
        return a;
    }

    @Override
    public synchronized void close() {
        try {
            file.close();
        } catch (IOException ignored) {
            // nothing was pending: every append forced its bytes
        }
    }
}
