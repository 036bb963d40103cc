package io.verity.gateway;

import io.verity.chain.keys.KeyStoreFlags;
import io.verity.chain.rpc.TxPolicy;
import io.verity.gateway.pay.Payer;
import io.verity.gateway.tee.TeeSettings;
import io.verity.http.FlagSources;
import io.verity.http.HttpLimits;
import io.verity.http.ServerFlags;
import io.verity.http.ServerMain;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.wire.ReadyLine;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs one gateway in this process until it is terminated:
 * {@code java -cp ... io.verity.gateway.GatewayMain --home DIR --deployment FILE [--rpc URL] [--port N]
 * [--host H] [--client-key-file FILE | --client-keystore FILE (--password-file FILE | --password-env NAME)] [--deposit-wei N] [--policy P] [--routing W] [--tolerance [model=]abs,rel] [--hedge-ms MS]
 * [--quarantine-s S] [--refresh-ms MS] [--timeout-ms MS] [--tee-policy FILE] [--tee-max-age-s S]}, the transaction
 * flags the node takes too ({@link TxPolicy#FLAGS}: the client's deposit, equivocation reports and disputes) and the HTTP limits
 * every server takes ({@link io.verity.http.HttpLimits#USAGE}). The paying client's key comes from
 * an encrypted keystore ({@code --client-keystore}), {@code VERITY_CLIENT_KEY} or a file ({@code --client-key-file}),
 * never from a flag: a command line is visible to
 * every user of the machine ({@code ps}, /proc/PID/cmdline). Prints {@code READY <url>} on stdout once it serves.
 */
public final class GatewayMain {
    /** Where the paying client's private key (hex) is read from. */
    public static final String CLIENT_KEY_ENV = "VERITY_CLIENT_KEY";

    private GatewayMain() {}

    public static void main(String[] args) throws InterruptedException {
        runUntilTerminated(ServerMain.parseOrExit("gateway", USAGE, args, GatewayMain::parse));
    }

    static final String USAGE = "usage: GatewayMain [--config FILE] --home DIR --deployment FILE [--rpc URL] [--port N] [--host H]"
            + " [--client-key-file FILE | --client-keystore FILE (--password-file FILE | --password-env NAME)] [--deposit-wei N] [--policy none|redundant:k|sample:p]"
            + " [--routing latency=1,price=0.5,reputation=1] [--tolerance [model=]abs,rel ...] [--hedge-ms MS] [--quarantine-s S] [--refresh-ms MS] [--timeout-ms MS]"
            + " [--voucher-batch N] [--voucher-spacing-ms MS]"
            + " [--tee-policy FILE] [--tee-max-age-s S] " + TxPolicy.FLAGS + " " + HttpLimits.USAGE
            + " (the client key: --client-keystore, VERITY_CLIENT_KEY or --client-key-file)";

    /**
     * The flags above as a config; {@code verity gateway start} parses through here too, so the two cannot drift.
     *
     * @throws IllegalArgumentException naming the flag and what it expects
     */
    public static GatewayConfig parse(String[] args) {
        return parse(args, System::getenv);
    }

    /**
     * Every flag above, which {@code --config FILE} and {@code VERITY_<FLAG>} may set too ({@link FlagSources}):
     * {@code verity gateway start} resolves its own defaults through here.
     */
    public static final FlagSources FLAGS = FlagSources.server(java.util.stream.Stream.concat(java.util.stream.Stream.of(
            "--client-key-file", "--deposit-wei", "--policy", "--routing", "--tolerance", "--hedge-ms", "--quarantine-s",
            "--refresh-ms", "--timeout-ms", "--tee-policy", "--tee-max-age-s", "--voucher-batch", "--voucher-spacing-ms",
            "--client-keystore", KeyStoreFlags.PASSWORD_FILE, KeyStoreFlags.PASSWORD_ENV), TxPolicy.FLAG_NAMES.stream()).toList(),
            java.util.List.of("--tolerance"));

    /** @param env reads an environment variable (null when unset) */
    static GatewayConfig parse(String[] args, java.util.function.UnaryOperator<String> env) {
        args = FLAGS.resolve(args, env); // --config FILE and VERITY_<FLAG> below the command line
        String key = env.apply(CLIENT_KEY_ENV), routing = null;
        BigInteger deposit = BigInteger.ZERO;
        Policy policy = Policy.NONE;
        TeeSettings tee = TeeSettings.NONE;
        Duration teeMaxAge = null;
        java.util.List<String> tolerances = new java.util.ArrayList<>();
        Duration hedge = Duration.ZERO, quarantine = Duration.ofMinutes(10), refresh = Duration.ofSeconds(2),
                timeout = Duration.ofSeconds(30);
        int voucherBatch = Payer.Pacing.DEFAULT.batch();
        Duration voucherSpacing = Payer.Pacing.DEFAULT.spacing();
        TxPolicy tx = TxPolicy.defaults();
        ServerFlags flags = new ServerFlags(args); // --home, --deployment, --rpc, --host, --port, HTTP limits
        KeyStoreFlags keystore = new KeyStoreFlags("--client-keystore");
        boolean keyFile = false;
        while (flags.next()) {
            String v = flags.value();
            if (keystore.accept(flags.flag(), v)) continue;
            var txFlag = tx.parseFlag(flags.flag(), v); // the transaction flags every sending process shares
            if (txFlag.isPresent()) {
                tx = txFlag.get();
                continue;
            }
            try {
                switch (flags.flag()) {
                    case "--client-key" -> throw new IllegalArgumentException("--client-key is gone: a key on a command line"
                            + " shows in ps; set " + CLIENT_KEY_ENV + " or pass --client-key-file FILE");
                    case "--client-key-file" -> {
                        key = readKeyFile(Path.of(v));
                        keyFile = true;
                    }
                    case "--deposit-wei" -> deposit = new BigInteger(v);
                    case "--policy" -> policy = Policy.parse(v);
                    case "--routing" -> routing = v;
                    case "--tolerance" -> tolerances.add(v);
                    case "--hedge-ms" -> hedge = Duration.ofMillis(Long.parseLong(v));
                    case "--quarantine-s" -> quarantine = Duration.ofSeconds(Long.parseLong(v));
                    case "--refresh-ms" -> refresh = Duration.ofMillis(Long.parseLong(v));
                    case "--timeout-ms" -> timeout = Duration.ofMillis(Long.parseLong(v));
                    case "--tee-policy" -> tee = TeeSettings.fromFile(Path.of(v));
                    case "--tee-max-age-s" -> teeMaxAge = Duration.ofSeconds(Long.parseLong(v));
                    case "--voucher-batch" -> voucherBatch = Integer.parseInt(v);
                    case "--voucher-spacing-ms" -> voucherSpacing = Duration.ofMillis(Long.parseLong(v));
                    default -> throw flags.unknown();
                }
            } catch (NumberFormatException e) {
                throw flags.notANumber();
            }
        }
        var fromKeystore = keystore.account(env);
        if (fromKeystore.isPresent()) {
            if (keyFile) throw new IllegalArgumentException("--client-keystore and --client-key-file: give one of them");
            key = fromKeystore.get().privateKeyHex(); // before VERITY_CLIENT_KEY: the flag is the more explicit
        }
        GatewayConfig.Builder b = GatewayConfig.builder(flags.home(), flags.deployment()).host(flags.host()).port(flags.port())
                .rpcUrl(flags.rpc()).clientKey(key).deposit(deposit).defaultPolicy(policy).hedgeAfter(hedge).quarantine(quarantine)
                .refreshInterval(refresh).requestTimeout(timeout).http(flags.limits())
                .vouchers(new Payer.Pacing(voucherBatch, voucherSpacing)).tx(tx);
        if (routing != null) b.routing(routing);
        b.tee(teeMaxAge == null ? tee : tee.withMaxAge(teeMaxAge));
        for (String t : tolerances) b.tolerance(t);
        return b.build();
    }

    /** The first line of a key file, trimmed; the file should be readable by its owner only. */
    private static String readKeyFile(Path file) {
        try {
            String key = java.nio.file.Files.readString(file).strip();
            if (key.isEmpty()) throw new IllegalArgumentException("--client-key-file: " + file + " is empty");
            return key;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("--client-key-file: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Starts the gateway, prints the READY line, and blocks until the JVM is asked to shut down. */
    public static void runUntilTerminated(GatewayConfig config) throws InterruptedException {
        Gateway gateway = Gateway.start(config);
        ServerMain.serveUntilTerminated("gateway", gateway::close,
                gateway.clientAccount().map(a -> ReadyLine.of(gateway.url(), a)).orElseGet(() -> ReadyLine.of(gateway.url())));
    }
}
