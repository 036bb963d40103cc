package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.devnet.Devnet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/** Runs the gas benchmark (docs/benchmarks.md, "Settlement gas") and checks the goal: <= 1/100 at 1024. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class SettlementGasIT {

    @Test
    void a_batch_of_1024_costs_at_most_a_hundredth_of_settling_each_receipt_on_its_own() throws Exception {
        List<SettlementGasBenchmark.Row> rows;
        try (Devnet devnet = Devnet.start()) {
            rows = SettlementGasBenchmark.run(devnet, 1, 16, 256, 1024);
        }
        String table = SettlementGasBenchmark.table(rows);
        System.out.print(table);
        Files.writeString(Path.of("target/settlement-gas.md"), table);

        SettlementGasBenchmark.Row largest = rows.getLast();
        assertThat(largest.n()).isEqualTo(1024);
        assertThat(largest.ratio()).as("batched/individual gas at 1024").isLessThanOrEqualTo(0.01);
        // the commitment costs the same whatever the batch size; only the uri length differs
        assertThat(rows).allSatisfy(r -> assertThat(r.commitGas()).isBetween(rows.getFirst().commitGas() - 100, rows.getFirst().commitGas() + 100));
        // settling one by one costs per receipt, so it grows linearly
        assertThat(largest.individualPerReceipt()).isBetween(rows.getFirst().individualPerReceipt() * 0.9, rows.getFirst().individualPerReceipt() * 1.1);
    }
}
