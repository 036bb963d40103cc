package io.verity.chain;

import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.contracts.SettlementClient;
import io.verity.chain.devnet.Contracts;
import io.verity.chain.devnet.DeployParams;
import io.verity.chain.devnet.Devnet;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.web3j.abi.datatypes.DynamicBytes;

/**
 * Gas per settled receipt: Verity's batched Merkle commitment versus settling every receipt on its own with
 * an on-chain signature check (IndividualSettlement, the per-inference scheme). Real transactions on a real
 * anvil; gas is each transaction's gasUsed from its receipt. Run with SettlementGasIT, or:
 * <pre>./mvnw -q -pl chain -am verify -Dit.test=SettlementGasIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false</pre>
 * The table is printed and written to chain/target/settlement-gas.md.
 */
final class SettlementGasBenchmark {
    record Row(int n, long commitGas, long inclusionGas, long individualTotalGas, long commitsPerSecond) {
        double batchedPerReceipt() {
            return (double) commitGas / n;
        }

        double individualPerReceipt() {
            return (double) individualTotalGas / n;
        }

        double ratio() {
            return batchedPerReceipt() / individualPerReceipt();
        }

        double ratioWithInclusion() {
            return (batchedPerReceipt() + inclusionGas) / individualPerReceipt();
        }
    }

    private SettlementGasBenchmark() {}

    static List<Row> run(Devnet devnet, int... sizes) {
        List<Row> rows = new ArrayList<>();
        TestReceipts receipts = new TestReceipts(1024);
        try (ChainConnection node = devnet.connect(1); ChainConnection deployer = devnet.connect(0)) {
            Deployment d = devnet.deployment();
            new NodeRegistryClient(node, d.nodeRegistry())
                    .register("http://127.0.0.1:9001", List.of(), Keccak256.ZERO, BigInteger.ZERO, DeployParams.ETHER).confirmed();
            SettlementClient settlement = new SettlementClient(node, d.settlement());
            var individual = Contracts.deploy(deployer, "IndividualSettlement");
            // steady state: the contract's very first batch pays 17,100 more to make the batch array non-empty
            settlement.commitBatch(receipts.randomBytes32(), 1, uri(0)).confirmed();
            for (int n : sizes) {
                List<Receipt> batch = new ArrayList<>();
                List<Keccak256> ids = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    Receipt r = receipts.receipt(node.account().address());
                    batch.add(r);
                    ids.add(r.id(Eip712Domain.verity(devnet.chainId(), d.settlement())));
                }
                TestMerkle tree = new TestMerkle(ids);
                var committed = settlement.commitBatch(tree.root(), n, uri(n)).confirmed();
                long batchId = SettlementClient.committedBatchId(committed);
                long inclusion = node.estimateGas(d.settlement(), W3.fn("isIncluded", List.of(W3.uint256(batchId),
                        W3.bytes32(ids.getFirst()), W3.bytes32s(tree.proof(ids.getFirst()))), "bool")) - 21_000;

                long individualTotal = 0;
                for (Receipt r : batch) {
                    byte[] sig = node.account().key().sign(r.id(Eip712Domain.verity(devnet.chainId(), individual))).toArray();
                    individualTotal += node.send(individual, W3.fn("settle", W3.receipt(r), new DynamicBytes(sig)), BigInteger.ZERO)
                            .confirmed().gasUsed();
                }

                int commits = 20;
                long start = System.nanoTime();
                for (int i = 0; i < commits; i++) settlement.commitBatch(receipts.randomBytes32(), n, uri(i)).confirmed();
                long perSecond = Math.round(commits / ((System.nanoTime() - start) / 1e9));
                rows.add(new Row(n, committed.gasUsed(), inclusion, individualTotal, perSecond));
            }
        }
        return rows;
    }

    /** Same length for every batch, so the commitment's storage cost is comparable across sizes. */
    private static String uri(int n) {
        return String.format(Locale.ROOT, "http://127.0.0.1:9001/batches/%06d", n);
    }

    static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| receipts per batch | commitBatch gas | batched gas / receipt | inclusion check gas (one receipt) "
                + "| individual gas / receipt | batched / individual | (batched + inclusion check) / individual "
                + "| commits/s on anvil | receipts/s settled |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %d | %,d | %,.1f | %,d | %,.0f | %.2f%% | %.1f%% | %d | %,d |%n",
                    r.n(), r.commitGas(), r.batchedPerReceipt(), r.inclusionGas(), r.individualPerReceipt(),
                    100 * r.ratio(), 100 * r.ratioWithInclusion(), r.commitsPerSecond(), r.commitsPerSecond() * r.n()));
        }
        return sb.toString();
    }

    public static void main(String[] args) {
        try (Devnet devnet = Devnet.start()) {
            System.out.print(table(run(devnet, 1, 16, 256, 1024)));
        }
    }
}
