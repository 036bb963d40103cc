package io.verity.explorer.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.EvmAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class StoreTest {
    static final EvmAddress SETTLEMENT = EvmAddress.parse("0x" + "ab".repeat(20));

    /**
     * An index an explorer wrote before DisputeGame was indexed (no {@code ex_schema} row) lacks every dispute:
     * reopened, it is emptied, so the indexer starts again at the deployment block instead of resuming past them.
     */
    @Test
    void an_index_from_before_disputes_were_indexed_is_built_again(@TempDir Path home) throws Exception {
        String url = "jdbc:h2:file:" + home.resolve("index") + ";DB_CLOSE_ON_EXIT=FALSE";
        try (Store s = Store.open(url)) {
            assertThat(s.nextBlock(31337, SETTLEMENT, 5)).isEqualTo(5);
            s.apply(List.of(), List.of(), 99);
            assertThat(s.checkpoint()).hasValue(100);
        }
        try (Store s = Store.open(url)) {
            assertThat(s.checkpoint()).as("same schema: resumes").hasValue(100);
        }
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute("DROP TABLE ex_schema"); // as an explorer before schema 2 left it
        }
        try (Store s = Store.open(url)) {
            assertThat(s.checkpoint()).as("older schema: emptied").isEmpty();
            assertThat(s.nextBlock(31337, SETTLEMENT, 5)).isEqualTo(5);
        }
    }

    /** An index from before receipts carried their payer (schema 2, no payer column) gains it and is built again. */
    @Test
    void an_index_from_before_payers_were_stored_gains_the_column_and_is_built_again(@TempDir Path home) throws Exception {
        String url = "jdbc:h2:file:" + home.resolve("index") + ";DB_CLOSE_ON_EXIT=FALSE";
        try (Store s = Store.open(url)) {
            s.nextBlock(31337, SETTLEMENT, 5);
            s.apply(List.of(), List.of(), 99);
        }
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute("DROP INDEX ex_receipts_payer");
            st.execute("ALTER TABLE ex_receipts DROP COLUMN payer");
            st.execute("UPDATE ex_schema SET version = 2");
        }
        try (Store s = Store.open(url)) {
            assertThat(s.checkpoint()).as("older schema: emptied").isEmpty();
            assertThat(s.payerReceipts(SETTLEMENT, 10)).isEmpty();
        }
    }
}
