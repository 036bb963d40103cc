package io.verity.node.settle;

import io.verity.chain.rpc.TxPolicy;
import io.verity.protocol.Checks;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How a node settles on a chain. A node with chain settings signs receipts in the deployment's domain
 * (its chain id and Settlement address), registers and stakes on first start, and commits its receipts in
 * Merkle batches.
 *
 * @param deploymentFile the {@code deployment.json} a devnet or deploy script wrote
 * @param rpcUrl the JSON-RPC endpoint; empty for the one in the deployment file
 * @param accountKey hex private key of the node's chain account, which also signs receipts (so only the
 *     node itself can commit them): decrypted from {@code --keystore}, or given by a test; empty to use the node's
 *     own key ({@code VERITY_NODE_KEY} or {@code home/node.key}). It is the node (hot) key; its operator may be
 *     another account (docs/keys.md)
 * @param batchSize the most receipts in one batch; a full batch is cut at once (default {@value #DEFAULT_BATCH_SIZE})
 * @param batchMin cut a batch of every receipt waiting (up to {@code batchSize}) as soon as at least this many
 *     wait and no batch is in flight (default {@value #DEFAULT_BATCH_MIN}): enough receipts to share one commit's
 *     gas at most 1/100 each, so under load a batch goes with every block without waiting for {@code batchAge};
 *     at or above {@code batchSize} it changes nothing (docs/benchmarks.md, "Verification latency")
 * @param batchAge cut a smaller batch once its oldest receipt waited this long (default 10 s): what bounds a
 *     receipt's wait, and the number of commits, when the node is quiet
 * @param maxBackoff longest wait between retries while the chain fails (default 5 s; starts at 100 ms)
 * @param stake wei staked at registration; empty for the registry's minimum stake
 * @param redeemInterval how often the node redeems the payment vouchers it holds (default 2 s); shorter
 *     means money sooner, longer means fewer redeem transactions, each paying gas
 * @param paymentCredit how many wei of answers a payer may owe beyond the vouchers the node holds before it
 *     answers 402 ({@link PaymentGate}); empty for {@value PaymentGate#DEFAULT_CREDIT_ANSWERS} answers, each
 *     as dear as the dearest the node has signed (at least its price)
 * @param tx how the node's transactions are priced, replaced and confirmed (a batch counts as settled only after
 *     {@link TxPolicy#confirmations()}); default {@link TxPolicy#defaults()}, flags {@link TxPolicy#FLAGS}
 * @param publicUrl the base URL announced in NodeRegistry and in batch URIs ({@code --public-url}), for a node
 *     reached through another address than the one it binds (another host, a reverse proxy); empty for the
 *     bound address
 */
public record ChainSettings(Path deploymentFile, Optional<String> rpcUrl, Optional<String> accountKey, int batchSize,
        int batchMin, Duration batchAge, Duration maxBackoff, Optional<BigInteger> stake, Duration redeemInterval,
        Optional<BigInteger> paymentCredit, TxPolicy tx, Optional<URI> publicUrl) {
    public static final int DEFAULT_BATCH_SIZE = 1024;
    public static final int DEFAULT_BATCH_MIN = 128;
    public static final int MAX_BATCH_SIZE = 10_000;
    public static final Duration DEFAULT_REDEEM_INTERVAL = Duration.ofSeconds(2);

    public ChainSettings {
        Checks.nonNull("deploymentFile", deploymentFile, "rpcUrl", rpcUrl, "accountKey", accountKey, "stake", stake,
                "batchAge", batchAge, "maxBackoff", maxBackoff, "redeemInterval", redeemInterval,
                "paymentCredit", paymentCredit, "tx", tx, "publicUrl", publicUrl);
        publicUrl.ifPresent(ChainSettings::checkPublicUrl);
        paymentCredit.ifPresent(c -> {
            if (c.signum() <= 0) throw new IllegalArgumentException("paymentCredit must be > 0 wei, got " + c);
        });
        Checks.inRange("batchSize", batchSize, 1, MAX_BATCH_SIZE);
        Checks.inRange("batchMin", batchMin, 1, MAX_BATCH_SIZE);
        if (batchAge.isNegative() || batchAge.isZero()) {
            throw new IllegalArgumentException("batchAge must be positive, got " + batchAge);
        }
        if (maxBackoff.toMillis() < 1) throw new IllegalArgumentException("maxBackoff must be >= 1 ms, got " + maxBackoff);
        if (redeemInterval.toMillis() < 1) {
            throw new IllegalArgumentException("redeemInterval must be >= 1 ms, got " + redeemInterval);
        }
        stake.ifPresent(s -> {
            if (s.signum() <= 0) throw new IllegalArgumentException("stake must be > 0 wei, got " + s);
        });
    }

    /** Settings with the defaults above for a deployment file. */
    public static ChainSettings of(Path deploymentFile) {
        return new ChainSettings(deploymentFile, Optional.empty(), Optional.empty(), DEFAULT_BATCH_SIZE,
                DEFAULT_BATCH_MIN, Duration.ofSeconds(10), Duration.ofSeconds(5), Optional.empty(), DEFAULT_REDEEM_INTERVAL, Optional.empty(),
                TxPolicy.defaults(), Optional.empty());
    }

    public ChainSettings withRpcUrl(String url) {
        return new ChainSettings(deploymentFile, Optional.of(url), accountKey, batchSize, batchMin, batchAge, maxBackoff, stake, redeemInterval, paymentCredit, tx, publicUrl);
    }

    public ChainSettings withAccountKey(String hex) {
        return new ChainSettings(deploymentFile, rpcUrl, Optional.of(hex), batchSize, batchMin, batchAge, maxBackoff, stake, redeemInterval, paymentCredit, tx, publicUrl);
    }

    public ChainSettings withBatching(int size, Duration age) {
        return new ChainSettings(deploymentFile, rpcUrl, accountKey, size, batchMin, age, maxBackoff, stake, redeemInterval, paymentCredit, tx, publicUrl);
    }

    /** See {@code batchMin} above. */
    public ChainSettings withBatchMin(int min) {
        return new ChainSettings(deploymentFile, rpcUrl, accountKey, batchSize, min, batchAge, maxBackoff, stake, redeemInterval, paymentCredit, tx, publicUrl);
    }

    public ChainSettings withMaxBackoff(Duration d) {
        return new ChainSettings(deploymentFile, rpcUrl, accountKey, batchSize, batchMin, batchAge, d, stake, redeemInterval, paymentCredit, tx, publicUrl);
    }

    public ChainSettings withStake(BigInteger wei) {
        return new ChainSettings(deploymentFile, rpcUrl, accountKey, batchSize, batchMin, batchAge, maxBackoff, Optional.of(wei), redeemInterval, paymentCredit, tx, publicUrl);
    }

    public ChainSettings withRedeemInterval(Duration d) {
        return new ChainSettings(deploymentFile, rpcUrl, accountKey, batchSize, batchMin, batchAge, maxBackoff, stake, d, paymentCredit, tx, publicUrl);
    }

    public ChainSettings withPaymentCredit(BigInteger wei) {
        return new ChainSettings(deploymentFile, rpcUrl, accountKey, batchSize, batchMin, batchAge, maxBackoff, stake, redeemInterval,
                Optional.of(wei), tx, publicUrl);
    }

    public ChainSettings withTxPolicy(TxPolicy policy) {
        return new ChainSettings(deploymentFile, rpcUrl, accountKey, batchSize, batchMin, batchAge, maxBackoff, stake, redeemInterval,
                paymentCredit, policy, publicUrl);
    }

    /** Announces {@code url} instead of the bound address. */
    public ChainSettings withPublicUrl(URI url) {
        return new ChainSettings(deploymentFile, rpcUrl, accountKey, batchSize, batchMin, batchAge, maxBackoff, stake, redeemInterval,
                paymentCredit, tx, Optional.of(url));
    }

    /** What clients and gateways can use as a base URL: absolute http(s), a host, nothing they would mangle or leak. */
    private static void checkPublicUrl(URI url) {
        String scheme = url.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("public URL must be an absolute http:// or https:// URL, got '" + url + "'");
        }
        if (url.getHost() == null) throw new IllegalArgumentException("public URL needs a host, got '" + url + "'");
        if (url.getRawUserInfo() != null) throw new IllegalArgumentException("public URL must not carry user info");
        if (url.getRawQuery() != null || url.getRawFragment() != null) {
            throw new IllegalArgumentException("public URL must have no query or fragment, got '" + url + "'");
        }
    }

    @Override
    public String toString() { // never print the key
        return "ChainSettings[deploymentFile=" + deploymentFile + ", rpcUrl=" + rpcUrl + ", accountKey="
                + accountKey.map(k -> "<set>").orElse("<node key>") + ", batchSize=" + batchSize + ", batchMin=" + batchMin + ", batchAge="
                + batchAge + ", maxBackoff=" + maxBackoff + ", stake=" + stake + ", redeemInterval=" + redeemInterval + ", paymentCredit=" + paymentCredit
                + ", tx=" + tx + ", publicUrl=" + publicUrl + "]";
    }
}
