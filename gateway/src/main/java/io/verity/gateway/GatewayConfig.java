package io.verity.gateway;

import io.verity.chain.rpc.TxPolicy;
import io.verity.gateway.pay.Payer;
import io.verity.gateway.routing.Routing;
import io.verity.gateway.tee.TeeSettings;
import io.verity.gateway.tensor.Tolerance;
import io.verity.http.HttpLimits;
import io.verity.protocol.Checks;
import io.verity.protocol.policy.Policy;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Settings of one gateway. Build with {@link #builder(Path, Path)}; every setting but the home and the
 * deployment file has a default suited to a local network.
 *
 * @param home where the gateway keeps its evidence log
 * @param deploymentFile contract addresses and RPC URL (as {@code verity up} writes them)
 * @param rpcUrl overrides the deployment's RPC URL
 * @param clientKey the paying client account's private key (hex); without it the gateway pays nobody and
 *     cannot report equivocation on chain
 * @param deposit with a client key: top the account's Payments deposit up to this many wei at start (0: leave it)
 * @param refreshInterval how often the registry is re-read and nodes health-checked
 * @param requestTimeout per node call
 * @param hedgeAfter default hedge delay for single-node answers, {@link Duration#ZERO} for no hedging
 * @param quarantine how long a node caught disagreeing is excluded from routing
 * @param maxAttempts node calls per request before giving up (failover bound)
 * @param tolerance how far floating-point engines' answers may differ and still agree
 * @param tolerances per model name, overriding {@code tolerance}
 * @param http the HTTP limits (docs/security.md): body size, idle timeout, minimum data rate, concurrent inferences
 * @param tee how the {@code tee} policy judges nodes' evidence ({@link TeeSettings#NONE}: it accepts none)
 * @param vouchers how many answers, or how long, a node's next voucher may wait for (docs/security.md)
 * @param tx how the client account's transactions (deposit, equivocation reports, disputes) are priced, replaced
 *     and confirmed: the node's {@code --tx-*} flags ({@link TxPolicy#FLAGS}, docs/chain.md)
 */
public record GatewayConfig(Path home, String host, int port, Path deploymentFile, Optional<String> rpcUrl,
        Optional<String> clientKey, BigInteger deposit, Policy defaultPolicy, Routing routing, Tolerance tolerance,
        Map<String, Tolerance> tolerances, Duration refreshInterval, Duration requestTimeout, Duration hedgeAfter,
        Duration quarantine, int maxAttempts, double samplingMargin, HttpLimits http, TeeSettings tee, Payer.Pacing vouchers,
        TxPolicy tx) {

    /** Inference requests the gateway runs at once without a {@code --max-concurrent}; more get 429. */
    public static final int DEFAULT_CONCURRENT_INFERENCES = 256;

    public GatewayConfig {
        Checks.nonNull("home", home, "host", host, "deploymentFile", deploymentFile, "tee", tee, "vouchers", vouchers, "tx", tx,
                "http", http);
        tolerances = Map.copyOf(tolerances);
        Checks.inRange("port", port, 0, 65535);
        if (deposit.signum() < 0) throw new IllegalArgumentException("deposit must be >= 0 wei, got " + deposit);
        if (refreshInterval.isNegative() || refreshInterval.isZero()) throw new IllegalArgumentException("refreshInterval must be > 0");
        if (requestTimeout.isNegative() || requestTimeout.isZero()) throw new IllegalArgumentException("requestTimeout must be > 0");
        if (hedgeAfter.isNegative()) throw new IllegalArgumentException("hedgeAfter must be >= 0");
        if (quarantine.isNegative()) throw new IllegalArgumentException("quarantine must be >= 0");
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
    }

    public long maxBodyBytes() {
        return http.maxBodyBytes();
    }

    /** Requests on the inference routes running at once; one more is refused with 429 and Retry-After. */
    public int maxConcurrentInferences() {
        return http.concurrentOr(DEFAULT_CONCURRENT_INFERENCES);
    }

    /** The tolerance for a model, by its name (the part before any {@code @version}). */
    public Tolerance toleranceFor(String model) {
        int at = model.indexOf('@');
        return tolerances.getOrDefault(at < 0 ? model : model.substring(0, at), tolerance);
    }

    public static Builder builder(Path home, Path deploymentFile) {
        return new Builder(home, deploymentFile);
    }

    public static final class Builder {
        private final Path home;
        private final Path deploymentFile;
        private String host = "127.0.0.1";
        private int port;
        private Optional<String> rpcUrl = Optional.empty();
        private Optional<String> clientKey = Optional.empty();
        private BigInteger deposit = BigInteger.ZERO;
        private Policy defaultPolicy = Policy.NONE;
        private Routing routing = Routing.DEFAULT;
        private Tolerance tolerance = Tolerance.DEFAULT;
        private final Map<String, Tolerance> tolerances = new HashMap<>();
        private Duration refreshInterval = Duration.ofSeconds(2);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration hedgeAfter = Duration.ZERO;
        private Duration quarantine = Duration.ofMinutes(10);
        private int maxAttempts = 4;
        private double samplingMargin = 2.0;
        private HttpLimits http = HttpLimits.DEFAULT;
        private TeeSettings tee = TeeSettings.NONE;
        private Payer.Pacing vouchers = Payer.Pacing.DEFAULT;
        private TxPolicy tx = TxPolicy.defaults();

        private Builder(Path home, Path deploymentFile) {
            this.home = home;
            this.deploymentFile = deploymentFile;
        }

        public Builder host(String v) { host = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder rpcUrl(String v) { rpcUrl = Optional.ofNullable(v); return this; }
        public Builder clientKey(String v) { clientKey = Optional.ofNullable(v); return this; }
        public Builder deposit(BigInteger v) { deposit = v; return this; }
        public Builder defaultPolicy(Policy v) { defaultPolicy = v; return this; }
        /** {@code abs,rel} for every model, or {@code model=abs,rel} for one. */
        public Builder tolerance(String spec) {
            int eq = spec.indexOf('=');
            String[] v = spec.substring(eq + 1).split(",");
            if (v.length != 2) throw new IllegalArgumentException("tolerance: expected [model=]abs,rel, e.g. silero-vad=1e-5,1e-4, got '" + spec + "'");
            try {
                double abs = Double.parseDouble(v[0].strip()), rel = Double.parseDouble(v[1].strip());
                return eq < 0 ? tolerance(abs, rel) : tolerance(spec.substring(0, eq).strip(), abs, rel);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("tolerance: abs and rel must be numbers, got '" + spec + "'");
            }
        }

        /** {@code latency=1,price=0.5,reputation=1} */
        public Builder routing(String weights) { routing = Routing.parse(weights); return this; }
        public Builder tolerance(double abs, double rel) { tolerance = new Tolerance(abs, rel); return this; }
        /** For one model (by name): its outputs may be noisier, or must be tighter, than the default. */
        public Builder tolerance(String model, double abs, double rel) { tolerances.put(model, new Tolerance(abs, rel)); return this; }
        public Builder refreshInterval(Duration v) { refreshInterval = v; return this; }
        public Builder requestTimeout(Duration v) { requestTimeout = v; return this; }
        public Builder hedgeAfter(Duration v) { hedgeAfter = v; return this; }
        public Builder quarantine(Duration v) { quarantine = v; return this; }
        public Builder maxAttempts(int v) { maxAttempts = v; return this; }
        public Builder samplingMargin(double v) { samplingMargin = v; return this; }
        public Builder maxBodyBytes(long v) { http = http.withMaxBodyBytes(v); return this; }
        public Builder http(HttpLimits v) { http = v; return this; }
        public HttpLimits http() { return http; }
        public Builder tee(TeeSettings v) { tee = v; return this; }
        public Builder vouchers(Payer.Pacing v) { vouchers = v; return this; }
        public Builder tx(TxPolicy v) { tx = v; return this; }

        public GatewayConfig build() {
            return new GatewayConfig(home, host, port, deploymentFile, rpcUrl, clientKey, deposit, defaultPolicy, routing,
                    tolerance, tolerances, refreshInterval, requestTimeout, hedgeAfter, quarantine, maxAttempts, samplingMargin, http, tee, vouchers, tx);
        }
    }
}
