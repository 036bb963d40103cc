package io.verity.explorer.index;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.ChainConnection;
import io.verity.chain.ChainLog;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The explorer's database: indexed events, the batches they commit, the receipts those batches hold, and the
 * indexer's checkpoint. Plain SQL that H2 and PostgreSQL both accept. Every write the indexer makes for a
 * block range happens in one transaction together with the checkpoint, so a crash between ranges neither
 * loses nor repeats an event; the (block, log index) primary key refuses a duplicate even if that failed.
 * Addresses and hashes are stored as lower-case 0x-hex so search is a plain equality.
 */
public final class Store implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The index's layout and coverage. 2: DisputeGame's events are indexed too, so an index an older explorer
     * wrote (without them) is emptied and built again from the deployment block. 3: receipts carry their payer
     * (format 2), so an older index is rebuilt to find every payer's receipts.
     */
    static final int SCHEMA_VERSION = 3;
    /** Block hashes kept for reorg detection; deeper reorgs than this are not expected on any chain we index. */
    static final int KEPT_BLOCKS = 512;

    private final String url;
    private final Connection db;

    private Store(String url, Connection db) {
        this.url = url;
        this.db = db;
    }

    /**
     * Opens (creating tables as needed) the database at a JDBC URL: {@code jdbc:h2:file:PATH} embedded by
     * default, {@code jdbc:postgresql://host/db?user=..&password=..} when configured.
     */
    public static Store open(String jdbcUrl) {
        try {
            Connection c = DriverManager.getConnection(jdbcUrl);
            Store s = new Store(jdbcUrl, c);
            s.createTables();
            return s;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the explorer database " + redact(jdbcUrl) + ": " + e.getMessage(), e);
        }
    }

    public static String redact(String jdbcUrl) {
        return jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    private void createTables() throws SQLException {
        try (Statement st = db.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS ex_checkpoint (id INT PRIMARY KEY, chain_id BIGINT NOT NULL,"
                    + " settlement VARCHAR(42) NOT NULL, next_block BIGINT NOT NULL)");
            st.execute("CREATE TABLE IF NOT EXISTS ex_blocks (number BIGINT PRIMARY KEY, hash VARCHAR(66) NOT NULL, ts BIGINT NOT NULL)");
            st.execute("CREATE TABLE IF NOT EXISTS ex_events (block_number BIGINT NOT NULL, log_index INT NOT NULL,"
                    + " block_hash VARCHAR(66) NOT NULL, tx_hash VARCHAR(66) NOT NULL, contract VARCHAR(42) NOT NULL,"
                    + " name VARCHAR(64) NOT NULL, node VARCHAR(42), args TEXT NOT NULL, PRIMARY KEY (block_number, log_index))");
            st.execute("CREATE TABLE IF NOT EXISTS ex_batches (batch_id BIGINT PRIMARY KEY, node VARCHAR(42) NOT NULL,"
                    + " root VARCHAR(66) NOT NULL, receipt_count BIGINT NOT NULL, uri TEXT NOT NULL, block_number BIGINT NOT NULL,"
                    + " tx_hash VARCHAR(66) NOT NULL, fetched BOOLEAN NOT NULL, fetch_error TEXT)");
            st.execute("CREATE TABLE IF NOT EXISTS ex_receipts (id VARCHAR(66) PRIMARY KEY, batch_id BIGINT NOT NULL,"
                    + " node VARCHAR(42) NOT NULL, request_id VARCHAR(66) NOT NULL, model_digest VARCHAR(66) NOT NULL,"
                    + " ts BIGINT NOT NULL, json TEXT NOT NULL, payer VARCHAR(42))");
            st.execute("ALTER TABLE ex_receipts ADD COLUMN IF NOT EXISTS payer VARCHAR(42)"); // an index older than version 3
            st.execute("CREATE INDEX IF NOT EXISTS ex_receipts_payer ON ex_receipts (payer)");
            st.execute("CREATE INDEX IF NOT EXISTS ex_events_node ON ex_events (node)");
            st.execute("CREATE INDEX IF NOT EXISTS ex_events_tx ON ex_events (tx_hash)");
            st.execute("CREATE INDEX IF NOT EXISTS ex_receipts_request ON ex_receipts (request_id)");
            st.execute("CREATE INDEX IF NOT EXISTS ex_receipts_model ON ex_receipts (model_digest)");
            st.execute("CREATE INDEX IF NOT EXISTS ex_receipts_batch ON ex_receipts (batch_id)");
            st.execute("CREATE INDEX IF NOT EXISTS ex_events_name ON ex_events (name)");
            st.execute("CREATE TABLE IF NOT EXISTS ex_schema (version INT NOT NULL)");
        }
        List<Integer> version = query("SELECT version FROM ex_schema", ps -> {}, rs -> rs.getInt(1));
        if (version.size() == 1 && version.getFirst() == SCHEMA_VERSION) return;
        tx(() -> {
            try (Statement st = db.createStatement()) {
                for (String t : List.of("ex_schema", "ex_checkpoint", "ex_blocks", "ex_events", "ex_batches", "ex_receipts")) {
                    st.executeUpdate("DELETE FROM " + t);
                }
                st.executeUpdate("INSERT INTO ex_schema (version) VALUES (" + SCHEMA_VERSION + ")");
            }
            return null;
        });
    }

    // ---- checkpoint ---------------------------------------------------------------------------------------

    /**
     * The next block to index. A database that indexed another chain or deployment (the devnet was reset) is
     * emptied first: its rows describe contracts that no longer exist.
     */
    synchronized long nextBlock(long chainId, EvmAddress settlement, long deployBlock) {
        String s = key(settlement);
        return tx(() -> {
            try (PreparedStatement ps = db.prepareStatement("SELECT chain_id, settlement, next_block FROM ex_checkpoint WHERE id = 1");
                 ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    if (rs.getLong(1) == chainId && rs.getString(2).equals(s)) return rs.getLong(3);
                    try (Statement st = db.createStatement()) {
                        for (String t : List.of("ex_checkpoint", "ex_blocks", "ex_events", "ex_batches", "ex_receipts")) {
                            st.executeUpdate("DELETE FROM " + t);
                        }
                    }
                }
            }
            try (PreparedStatement ins = db.prepareStatement("INSERT INTO ex_checkpoint (id, chain_id, settlement, next_block) VALUES (1, ?, ?, ?)")) {
                ins.setLong(1, chainId);
                ins.setString(2, s);
                ins.setLong(3, Math.max(0, deployBlock));
                ins.executeUpdate();
            }
            return Math.max(0, deployBlock);
        });
    }

    /** The newest block whose hash we recorded, to compare with the chain's. */
    synchronized Optional<ChainConnection.Block> newestBlock() {
        return newestBlockBelow(Long.MAX_VALUE);
    }

    synchronized Optional<ChainConnection.Block> newestBlockBelow(long number) {
        return query("SELECT number, hash, ts FROM ex_blocks WHERE number < ? ORDER BY number DESC", ps -> ps.setLong(1, number),
                rs -> new ChainConnection.Block(rs.getLong(1), Keccak256.parse(rs.getString(2)), rs.getLong(3)))
                .stream().findFirst();
    }

    /**
     * Records blocks [from, to]: their events, the batches they commit, the hashes of the blocks seen, and
     * moves the checkpoint to {@code to + 1}, all or nothing.
     */
    synchronized void apply(List<ChainLog> logs, List<ChainConnection.Block> blocks, long to) {
        tx(() -> {
            try (PreparedStatement ev = db.prepareStatement("INSERT INTO ex_events (block_number, log_index, block_hash, tx_hash,"
                    + " contract, name, node, args) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement batch = db.prepareStatement("INSERT INTO ex_batches (batch_id, node, root, receipt_count, uri,"
                         + " block_number, tx_hash, fetched) VALUES (?, ?, ?, ?, ?, ?, ?, FALSE)")) {
                for (ChainLog l : logs) {
                    ev.setLong(1, l.blockNumber());
                    ev.setInt(2, l.logIndex());
                    ev.setString(3, l.blockHash().toHex());
                    ev.setString(4, l.txHash().toHex());
                    ev.setString(5, key(l.event().contract()));
                    ev.setString(6, l.event().name());
                    ev.setString(7, subject(l).orElse(null));
                    ev.setString(8, argsJson(l.event().args()));
                    ev.addBatch();
                    if (l.event().name().equals("BatchCommitted")) {
                        batch.setLong(1, ((BigInteger) l.event().arg("batchId")).longValueExact());
                        batch.setString(2, key(l.event().arg("node")));
                        batch.setString(3, ((Keccak256) l.event().arg("root")).toHex());
                        batch.setLong(4, ((BigInteger) l.event().arg("count")).longValueExact());
                        batch.setString(5, l.event().arg("uri"));
                        batch.setLong(6, l.blockNumber());
                        batch.setString(7, l.txHash().toHex());
                        batch.addBatch();
                    }
                }
                ev.executeBatch();
                batch.executeBatch();
            }
            try (PreparedStatement del = db.prepareStatement("DELETE FROM ex_blocks WHERE number = ?");
                 PreparedStatement ins = db.prepareStatement("INSERT INTO ex_blocks (number, hash, ts) VALUES (?, ?, ?)")) {
                for (ChainConnection.Block b : blocks) {
                    del.setLong(1, b.number());
                    del.executeUpdate();
                    ins.setLong(1, b.number());
                    ins.setString(2, b.hash().toHex());
                    ins.setLong(3, b.timestamp());
                    ins.executeUpdate();
                }
            }
            try (PreparedStatement prune = db.prepareStatement("DELETE FROM ex_blocks WHERE number < ?")) {
                prune.setLong(1, to - KEPT_BLOCKS);
                prune.executeUpdate();
            }
            setNext(to + 1);
            return null;
        });
    }

    /** Forgets everything above block {@code ancestor} (a reorg replaced those blocks) and resumes after it. */
    synchronized void rollbackTo(long ancestor) {
        tx(() -> {
            try (PreparedStatement r = db.prepareStatement("DELETE FROM ex_receipts WHERE batch_id IN"
                    + " (SELECT batch_id FROM ex_batches WHERE block_number > ?)")) {
                r.setLong(1, ancestor);
                r.executeUpdate();
            }
            for (String t : List.of("DELETE FROM ex_batches WHERE block_number > ?", "DELETE FROM ex_events WHERE block_number > ?",
                    "DELETE FROM ex_blocks WHERE number > ?")) {
                try (PreparedStatement ps = db.prepareStatement(t)) {
                    ps.setLong(1, ancestor);
                    ps.executeUpdate();
                }
            }
            setNext(ancestor + 1);
            return null;
        });
    }

    private void setNext(long next) throws SQLException {
        try (PreparedStatement cp = db.prepareStatement("UPDATE ex_checkpoint SET next_block = ? WHERE id = 1")) {
            cp.setLong(1, next);
            cp.executeUpdate();
        }
    }

    // ---- batches and receipts -----------------------------------------------------------------------------

    public record Batch(long batchId, EvmAddress node, Keccak256 root, long count, String uri, long blockNumber, Keccak256 txHash,
                 boolean fetched, String fetchError, long timestamp) {}

    private static final String BATCH_COLUMNS = "b.batch_id, b.node, b.root, b.receipt_count, b.uri, b.block_number, b.tx_hash,"
            + " b.fetched, b.fetch_error, COALESCE(k.ts, 0) FROM ex_batches b LEFT JOIN ex_blocks k ON k.number = b.block_number";

    private static Batch batch(ResultSet rs) throws SQLException {
        return new Batch(rs.getLong(1), EvmAddress.parse(rs.getString(2)), Keccak256.parse(rs.getString(3)), rs.getLong(4),
                rs.getString(5), rs.getLong(6), Keccak256.parse(rs.getString(7)), rs.getBoolean(8), rs.getString(9), rs.getLong(10));
    }

    synchronized List<Batch> unfetchedBatches(int limit) {
        return query("SELECT " + BATCH_COLUMNS + " WHERE b.fetched = FALSE ORDER BY b.batch_id LIMIT " + limit, ps -> {}, Store::batch);
    }

    public synchronized Optional<Batch> batch(long batchId) {
        return query("SELECT " + BATCH_COLUMNS + " WHERE b.batch_id = ?", ps -> ps.setLong(1, batchId), Store::batch).stream().findFirst();
    }

    public synchronized List<Batch> batches(Optional<EvmAddress> node, int limit) {
        return query("SELECT " + BATCH_COLUMNS + (node.isPresent() ? " WHERE b.node = ?" : "") + " ORDER BY b.batch_id DESC LIMIT " + limit,
                ps -> {
                    if (node.isPresent()) ps.setString(1, key(node.get()));
                }, Store::batch);
    }

    public synchronized List<Batch> batchesByRootOrTx(String hex) {
        return query("SELECT " + BATCH_COLUMNS + " WHERE b.root = ? OR b.tx_hash = ?", ps -> {
            ps.setString(1, hex);
            ps.setString(2, hex);
        }, Store::batch);
    }

    /** Stores a fetched batch's receipts, unless a reorg removed (or replaced) the batch meanwhile. */
    synchronized boolean storeReceipts(Batch b, List<SignedReceipt> receipts) {
        return tx(() -> {
            try (PreparedStatement still = db.prepareStatement("SELECT 1 FROM ex_batches WHERE batch_id = ? AND root = ? AND fetched = FALSE")) {
                still.setLong(1, b.batchId());
                still.setString(2, b.root().toHex());
                try (ResultSet rs = still.executeQuery()) {
                    if (!rs.next()) return false;
                }
            }
            try (PreparedStatement del = db.prepareStatement("DELETE FROM ex_receipts WHERE id = ?");
                 PreparedStatement ins = db.prepareStatement("INSERT INTO ex_receipts (id, batch_id, node, request_id, model_digest, ts, json,"
                         + " payer) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (SignedReceipt r : receipts) {
                    del.setString(1, r.id().toHex());
                    del.executeUpdate();
                    ins.setString(1, r.id().toHex());
                    ins.setLong(2, b.batchId());
                    ins.setString(3, key(r.receipt().node()));
                    ins.setString(4, r.receipt().requestId().toHex());
                    ins.setString(5, r.receipt().modelDigest().toHex());
                    ins.setLong(6, r.receipt().timestamp());
                    ins.setString(7, JSON.writeValueAsString(ReceiptJson.write(r)));
                    boolean paid = r.receipt().isV2() && !r.receipt().v2().payer().equals(EvmAddress.ZERO);
                    ins.setString(8, paid ? key(r.receipt().v2().payer()) : null);
                    ins.executeUpdate();
                }
            }
            try (PreparedStatement done = db.prepareStatement("UPDATE ex_batches SET fetched = TRUE, fetch_error = NULL WHERE batch_id = ?")) {
                done.setLong(1, b.batchId());
                done.executeUpdate();
            }
            return true;
        });
    }

    synchronized void fetchFailed(Batch b, String error) {
        tx(() -> {
            try (PreparedStatement ps = db.prepareStatement("UPDATE ex_batches SET fetch_error = ? WHERE batch_id = ? AND root = ?")) {
                ps.setString(1, error.length() > 500 ? error.substring(0, 500) : error);
                ps.setLong(2, b.batchId());
                ps.setString(3, b.root().toHex());
                ps.executeUpdate();
            }
            return null;
        });
    }

    public record StoredReceipt(Keccak256 id, long batchId, EvmAddress node, Keccak256 requestId, Keccak256 modelDigest, long timestamp, String json) {}

    private static final String RECEIPT_COLUMNS = "id, batch_id, node, request_id, model_digest, ts, json FROM ex_receipts";

    private static StoredReceipt receipt(ResultSet rs) throws SQLException {
        return new StoredReceipt(Keccak256.parse(rs.getString(1)), rs.getLong(2), EvmAddress.parse(rs.getString(3)),
                Keccak256.parse(rs.getString(4)), Keccak256.parse(rs.getString(5)), rs.getLong(6), rs.getString(7));
    }

    public synchronized Optional<StoredReceipt> receipt(Keccak256 id) {
        return query("SELECT " + RECEIPT_COLUMNS + " WHERE id = ?", ps -> ps.setString(1, id.toHex()), Store::receipt).stream().findFirst();
    }

    public synchronized List<StoredReceipt> receiptsOfBatch(long batchId) {
        return query("SELECT " + RECEIPT_COLUMNS + " WHERE batch_id = ? ORDER BY ts, id", ps -> ps.setLong(1, batchId), Store::receipt);
    }

    /** Receipts whose id, request id or model digest is {@code hex}. */
    public synchronized List<StoredReceipt> receiptsMatching(String hex, int limit) {
        return query("SELECT " + RECEIPT_COLUMNS + " WHERE id = ? OR request_id = ? OR model_digest = ? ORDER BY ts DESC LIMIT " + limit, ps -> {
            ps.setString(1, hex);
            ps.setString(2, hex);
            ps.setString(3, hex);
        }, Store::receipt);
    }

    /**
     * The receipts (format 2) naming {@code payer}, oldest first, at most {@code limit}: a caller asks for one more
     * than it accepts to learn that there are more.
     */
    public synchronized List<StoredReceipt> payerReceipts(EvmAddress payer, int limit) {
        return query("SELECT " + RECEIPT_COLUMNS + " WHERE payer = ? ORDER BY ts, id LIMIT " + limit, ps -> ps.setString(1, key(payer)),
                Store::receipt);
    }

    public synchronized List<StoredReceipt> recentReceipts(Optional<EvmAddress> node, int limit) {
        return query("SELECT " + RECEIPT_COLUMNS + (node.isPresent() ? " WHERE node = ?" : "") + " ORDER BY ts DESC LIMIT " + limit, ps -> {
            if (node.isPresent()) ps.setString(1, key(node.get()));
        }, Store::receipt);
    }

    // ---- events -------------------------------------------------------------------------------------------

    public record Event(long blockNumber, int logIndex, Keccak256 txHash, EvmAddress contract, String name, Optional<EvmAddress> node,
                 String args, long timestamp) {}

    private static final String EVENT_COLUMNS = "e.block_number, e.log_index, e.tx_hash, e.contract, e.name, e.node, e.args,"
            + " COALESCE(k.ts, 0) FROM ex_events e LEFT JOIN ex_blocks k ON k.number = e.block_number";

    private static Event event(ResultSet rs) throws SQLException {
        String node = rs.getString(6);
        return new Event(rs.getLong(1), rs.getInt(2), Keccak256.parse(rs.getString(3)), EvmAddress.parse(rs.getString(4)),
                rs.getString(5), Optional.ofNullable(node).map(EvmAddress::parse), rs.getString(7), rs.getLong(8));
    }

    public synchronized List<Event> events(Optional<EvmAddress> node, int limit) {
        return query("SELECT " + EVENT_COLUMNS + (node.isPresent() ? " WHERE e.node = ?" : "")
                + " ORDER BY e.block_number DESC, e.log_index DESC LIMIT " + limit, ps -> {
            if (node.isPresent()) ps.setString(1, key(node.get()));
        }, Store::event);
    }

    public synchronized List<Event> eventsByTx(String txHex) {
        return query("SELECT " + EVENT_COLUMNS + " WHERE e.tx_hash = ? ORDER BY e.log_index", ps -> ps.setString(1, txHex), Store::event);
    }

    /** Every (event name → count) for one node, or the whole network. */
    public synchronized Map<String, Long> eventCounts(Optional<EvmAddress> node) {
        Map<String, Long> out = new java.util.TreeMap<>();
        query("SELECT name, COUNT(*) FROM ex_events" + (node.isPresent() ? " WHERE node = ?" : "") + " GROUP BY name", ps -> {
            if (node.isPresent()) ps.setString(1, key(node.get()));
        }, rs -> out.put(rs.getString(1), rs.getLong(2)));
        return out;
    }

    /** (node → how many of its events are called {@code name}), e.g. its BatchCommitted or Slashed count. */
    public synchronized Map<EvmAddress, Long> countsByNode(String name) {
        Map<EvmAddress, Long> out = new java.util.LinkedHashMap<>();
        query("SELECT node, COUNT(*) FROM ex_events WHERE name = ? AND node IS NOT NULL GROUP BY node", ps -> ps.setString(1, name),
                rs -> out.put(EvmAddress.parse(rs.getString(1)), rs.getLong(2)));
        return out;
    }

    /** Events called one of {@code names}, oldest first: the few kinds whose arguments a tally reads (disputes, slashes). */
    public synchronized List<Event> eventsNamed(List<String> names) {
        if (names.isEmpty()) return List.of();
        String marks = String.join(", ", java.util.Collections.nCopies(names.size(), "?"));
        return query("SELECT " + EVENT_COLUMNS + " WHERE e.name IN (" + marks + ") ORDER BY e.block_number, e.log_index", ps -> {
            for (int i = 0; i < names.size(); i++) ps.setString(i + 1, names.get(i));
        }, Store::event);
    }

    /** How many settled receipts one node signed for one model. */
    public record ReceiptTally(EvmAddress node, Keccak256 model, long receipts) {}

    public synchronized List<ReceiptTally> receiptTallies() {
        return query("SELECT node, model_digest, COUNT(*) FROM ex_receipts GROUP BY node, model_digest", ps -> {},
                rs -> new ReceiptTally(EvmAddress.parse(rs.getString(1)), Keccak256.parse(rs.getString(2)), rs.getLong(3)));
    }

    /** Every node address that appears in an event, for the overview when the registry is unreachable. */
    public synchronized List<EvmAddress> knownNodes() {
        return query("SELECT DISTINCT node FROM ex_events WHERE node IS NOT NULL AND name IN ('NodeRegistered', 'BatchCommitted')",
                ps -> {}, rs -> EvmAddress.parse(rs.getString(1)));
    }

    public synchronized long receiptCount(Optional<EvmAddress> node) {
        List<Long> n = query("SELECT COUNT(*) FROM ex_receipts" + (node.isPresent() ? " WHERE node = ?" : ""), ps -> {
            if (node.isPresent()) ps.setString(1, key(node.get()));
        }, rs -> rs.getLong(1));
        return n.getFirst();
    }

    public synchronized OptionalLong checkpoint() {
        List<Long> n = query("SELECT next_block FROM ex_checkpoint WHERE id = 1", ps -> {}, rs -> rs.getLong(1));
        return n.isEmpty() ? OptionalLong.empty() : OptionalLong.of(n.getFirst());
    }

    // ---- plumbing -----------------------------------------------------------------------------------------

    /**
     * The node an event is about: who registered, staked, committed, was slashed or got paid, or the committee member
     * who voted or was penalised.
     */
    static Optional<String> subject(ChainLog l) {
        Object node = l.event().args().getOrDefault("node", l.event().args().get("member"));
        if (node instanceof EvmAddress a) return Optional.of(key(a));
        return Optional.empty();
    }

    static String key(EvmAddress a) {
        return a.toString().toLowerCase(java.util.Locale.ROOT);
    }

    private static String argsJson(Map<String, Object> args) {
        ObjectNode o = JSON.createObjectNode();
        args.forEach((k, v) -> put(o, k, v));
        return o.toString();
    }

    private static void put(ObjectNode o, String k, Object v) {
        switch (v) {
            case null -> o.putNull(k);
            case BigInteger b -> o.put(k, b.toString());
            case Boolean b -> o.put(k, b);
            case byte[] b -> o.put(k, io.verity.protocol.Hex.encode(b));
            case List<?> list -> {
                var arr = o.putArray(k);
                for (Object x : list) arr.add(x instanceof byte[] b ? io.verity.protocol.Hex.encode(b) : String.valueOf(x));
            }
            default -> o.put(k, v.toString());
        }
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private interface Work<T> {
        T run() throws Exception;
    }

    private <T> List<T> query(String sql, Binder binder, Row<T> row) {
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            binder.bind(ps);
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(row.read(rs));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("explorer database query failed: " + e.getMessage(), e);
        }
    }

    private <T> T tx(Work<T> work) {
        try {
            db.setAutoCommit(false);
            try {
                T t = work.run();
                db.commit();
                return t;
            } catch (Exception e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("explorer database write failed: " + e.getMessage(), e);
        }
    }

    public String url() {
        return redact(url);
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException ignored) {
            // closing; nothing left to protect
        }
    }
}
