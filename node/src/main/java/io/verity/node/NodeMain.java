package io.verity.node;

import io.verity.chain.rpc.TxPolicy;
import io.verity.chain.keys.KeyStoreFlags;
import io.verity.http.FlagSources;
import io.verity.http.ServerMain;
import io.verity.node.settle.ChainSettings;
import io.verity.protocol.wire.ReadyLine;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs one node in this process until it is terminated:
 * {@code java -cp ... io.verity.node.NodeMain --home DIR [--port N] [--host H] [--price-wei N] [--threads N] [--engine det|onnxruntime]
 * [--deployment FILE [--rpc URL[,URL...]] [--public-url URL] [--batch-size N] [--batch-min N] [--batch-age-ms MS] [--redeem-interval-ms MS] [--payment-credit-wei N]
 * [the transaction flags {@link TxPolicy#FLAGS}] [--keystore FILE (--password-file FILE | --password-env NAME)]]
 * [--attestation FILE [--attestation-with FILE ...]] [--upstream-url URL --upstream-model LOCAL[=REMOTE] ...
 * [--upstream-key-env NAME | --upstream-key-file FILE] [--upstream-timeout-ms MS]] [--api-key-env NAME]
 * [--price-per-input-token-wei N --price-per-output-token-wei N] [--llm-worker-memory-mb MB] [--llm-restart-backoff-ms MS]
 * [--llm-restart-backoff-max-ms MS] [--llm-poison-ttl-ms MS] [--llm-poison-capacity N] [--llm-stall-ms MS] [--llm-schema-max-nodes N]
 * [--llm-schema-max-depth N] [--llm-schema-max-repetition N] [--llm-schema-max-pattern N]
 * [--embedding-max-inputs N] [--embedding-max-input-tokens N] [--max-run-ms MS] [--receipt-log-reserve-mb MB]
 * [--fault-perturb P] [--fault-latency-ms MS]}
 * and the HTTP limits every server takes ({@link io.verity.http.HttpLimits#USAGE}, docs/security.md; without
 * {@code --max-concurrent} a node admits {@link NodeConfig#CONCURRENT_PER_ENGINE_THREAD} inferences per engine thread).
 * {@code --max-run-ms} stops an inference that runs longer (default {@link NodeConfig#DEFAULT_MAX_RUN}, 0: no limit).
 * {@code --receipt-log-reserve-mb} is how much the receipt log writes ahead as zeros, so that an answer's sync
 * flushes its record and no file size (default 4, 0: grow the file with every append).
 * With {@code --upstream-url} the node is a provider proxy for the mapped models (docs/llm.md); keys are best
 * passed by the name of an environment variable that holds them, or a file; never on the command line, which
 * every user of the machine can read ({@code ps}). With
 * {@code --engine} picks the engine for every model whose manifest names none (default onnxruntime; {@code det} is the
 * deterministic interpreter, whose answers agree bit for bit and can be disputed on chain; it signs verity-det/3,
 * or verity-det/2 with {@code --det-contract 2}; it commits to an answer's trace when challenged, or, with
 * {@code --det-trace eager}, traces every run and signs its root up front). With
 * {@code --attestation} the node serves that TEE evidence at {@code GET /v1/attestation}, signs its digest into
 * every receipt and attests it in NodeRegistry; without it its attestation is "none". With {@code --deployment} the node settles its receipts on
 * that chain as its own key ({@code --keystore}, an encrypted keystore; else {@code VERITY_NODE_KEY} or
 * {@code home/node.key}), which must hold ether for gas (and, for a node that is its own operator, to stake), and
 * accepts and redeems payment vouchers. The {@code --fault-*} flags make it lie or dawdle on
 * purpose, for fault tests only. Prints {@code READY <url> <address>} on stdout once it serves, so a parent
 * process can wait for that line; a bad flag exits 2 with a one-line message. The {@code verity node start}
 * command is the user-facing way to do the same.
 */
public final class NodeMain {
    static final String USAGE = "usage: NodeMain [--config FILE] --home DIR [--port N] [--host H] [--price-wei N] [--threads N] [--engine det|onnxruntime]"
            + " [--det-contract 2|3] [--det-trace on-challenge|eager] [--deployment FILE"
            + " [--rpc URL[,URL...]] [--public-url URL] [--batch-size N] [--batch-min N] [--batch-age-ms MS] [--redeem-interval-ms MS] [--payment-credit-wei N]"
            + " " + TxPolicy.FLAGS + " [--keystore FILE (--password-file FILE | --password-env NAME)]]"
            + " [--attestation FILE [--attestation-with FILE ...]] [--upstream-url URL --upstream-model LOCAL[=REMOTE] ..."
            + " [--upstream-key-env NAME | --upstream-key-file FILE] [--upstream-timeout-ms MS]] [--api-key-env NAME]"
            + " [--price-per-input-token-wei N --price-per-output-token-wei N] [--llm-worker-memory-mb MB]"
            + " [--llm-restart-backoff-ms MS] [--llm-restart-backoff-max-ms MS] [--llm-poison-ttl-ms MS] [--llm-poison-capacity N]"
            + " [--llm-stall-ms MS]"
            + " [--llm-schema-max-nodes N] [--llm-schema-max-depth N] [--llm-schema-max-repetition N] [--llm-schema-max-pattern N]"
            + " [--embedding-max-inputs N] [--embedding-max-input-tokens N] [--max-run-ms MS] [--receipt-log-reserve-mb MB] [--fault-perturb P] [--fault-latency-ms MS] "
            + io.verity.http.HttpLimits.USAGE;

    private NodeMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        NodeConfig config = ServerMain.parseOrExit("NodeMain", USAGE, args, NodeMain::parse);
        try {
            runUntilTerminated(config);
        } catch (IllegalArgumentException e) { // a hub the configured engine cannot serve: one line, as for a bad flag
            System.err.println("NodeMain: " + e.getMessage());
            System.exit(2);
        }
    }

    /**
     * The flags above as a config; {@code verity node start} parses through here too, so the two cannot drift.
     *
     * @throws IllegalArgumentException naming the flag, what it expects and what it got
     */
    public static NodeConfig parse(String[] args) {
        return parse(args, System::getenv);
    }

    /**
     * Every flag above, which {@code --config FILE} and {@code VERITY_<FLAG>} may set too ({@link FlagSources}):
     * {@code verity node start} resolves its own defaults through here.
     */
    public static final FlagSources FLAGS = FlagSources.server(java.util.stream.Stream.concat(java.util.stream.Stream.of("--price-wei", "--threads", "--engine", "--det-contract", "--det-trace",
            "--batch-size", "--batch-min", "--batch-age-ms", "--redeem-interval-ms", "--payment-credit-wei", "--public-url", "--attestation",
            "--attestation-with", "--upstream-url", "--upstream-key-file", "--upstream-key-env", "--upstream-model",
            "--upstream-timeout-ms", "--api-key-env", "--price-per-input-token-wei", "--price-per-output-token-wei",
            "--llm-worker-memory-mb", "--llm-restart-backoff-ms", "--llm-restart-backoff-max-ms", "--llm-poison-ttl-ms",
            "--llm-poison-capacity", "--llm-stall-ms", "--llm-schema-max-nodes", "--llm-schema-max-depth", "--llm-schema-max-repetition",
            "--llm-schema-max-pattern", "--embedding-max-inputs", "--embedding-max-input-tokens", "--max-run-ms", "--receipt-log-reserve-mb", "--fault-perturb",
            "--fault-latency-ms", "--keystore", KeyStoreFlags.PASSWORD_FILE, KeyStoreFlags.PASSWORD_ENV),
            TxPolicy.FLAG_NAMES.stream()).toList(), java.util.List.of("--attestation-with", "--upstream-model"));

    /** @param env reads an environment variable (null when unset); keys come from there, never from a log */
    static NodeConfig parse(String[] args, java.util.function.UnaryOperator<String> env) {
        args = FLAGS.resolve(args, env); // --config FILE and VERITY_<FLAG> below the command line
        NodeConfig config = NodeConfig.defaults(Path.of(System.getProperty("user.home"), ".verity"));
        ChainSettings chain = null;
        String rpc = null;
        Integer batchSize = null;
        Integer batchMin = null;
        Duration batchAge = null;
        Duration redeemInterval = null;
        BigInteger paymentCredit = null;
        TxPolicy tx = TxPolicy.defaults();
        boolean txSet = false;
        java.net.URI publicUrl = null;
        Faults faults = Faults.NONE;
        Path attestation = null;
        java.util.List<Path> attestationWith = new java.util.ArrayList<>();
        java.net.URI upstreamUrl = null;
        OpenAiSettings.ApiKey upstreamKey = null;
        java.util.Map<String, String> upstreamModels = new java.util.LinkedHashMap<>();
        Duration upstreamTimeout = OpenAiSettings.Upstream.DEFAULT_TIMEOUT;
        BigInteger inputPrice = null;
        BigInteger outputPrice = null;
        OpenAiSettings openAi = OpenAiSettings.NONE;
        KeyStoreFlags keystore = new KeyStoreFlags("--keystore");
        boolean detTraceSet = false;
        for (int i = 0; i < args.length; i += 2) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag.startsWith("--") ? flag + " needs a value" : "unexpected argument " + flag);
            }
            String v = args[i + 1];
            var limits = config.http().parseFlag(flag, v); // the HTTP limits every server shares
            if (limits.isPresent()) {
                config = config.withHttp(limits.get());
                continue;
            }
            var txFlag = tx.parseFlag(flag, v); // the transaction flags every sending process shares
            if (txFlag.isPresent()) {
                tx = txFlag.get();
                txSet = true;
                continue;
            }
            if (keystore.accept(flag, v)) continue;
            try {
                switch (flag) {
                    case "--home" -> config = config.withHome(Path.of(v));
                    case "--port" -> config = config.withPort(Integer.parseInt(v));
                    case "--host" -> config = config.withHost(v);
                    case "--price-wei" -> config = config.withPrice(new BigInteger(v));
                    case "--threads" -> config = config.withEngineThreads(Integer.parseInt(v));
                    case "--engine" -> config = config.withEngine(io.verity.engine.EngineKind.parse(v));
                    case "--det-contract" -> config = config.withDetContract(io.verity.engine.det.DeterministicEngine.parseContract(v));
                    case "--det-trace" -> {
                        config = config.withDetTrace(io.verity.node.serve.DetTrace.parse(v));
                        detTraceSet = true;
                    }
                    case "--deployment" -> chain = ChainSettings.of(Path.of(v));
                    case "--rpc" -> rpc = v;
                    case "--batch-size" -> batchSize = Integer.parseInt(v);
                    case "--batch-min" -> batchMin = Integer.parseInt(v);
                    case "--batch-age-ms" -> batchAge = Duration.ofMillis(Long.parseLong(v));
                    case "--redeem-interval-ms" -> redeemInterval = Duration.ofMillis(Long.parseLong(v));
                    case "--payment-credit-wei" -> paymentCredit = new BigInteger(v);
                    case "--public-url" -> publicUrl = new java.net.URI(v.endsWith("/") ? v.substring(0, v.length() - 1) : v);
                    case "--attestation" -> attestation = Path.of(v);
                    case "--attestation-with" -> attestationWith.add(Path.of(v));
                    case "--upstream-url" -> upstreamUrl = java.net.URI.create(v);
                    // A key on a command line is readable by every local user (ps, /proc/PID/cmdline).
                    case "--upstream-key" -> throw new IllegalArgumentException("a key on a command line shows in ps; pass"
                            + " --upstream-key-env NAME or --upstream-key-file FILE");
                    case "--upstream-key-file" -> upstreamKey = new OpenAiSettings.ApiKey(keyFile(Path.of(v)));
                    case "--upstream-key-env" -> upstreamKey = new OpenAiSettings.ApiKey(envKey(env, v));
                    case "--upstream-model" -> {
                        int eq = v.indexOf('=');
                        String local = eq < 0 ? v : v.substring(0, eq);
                        if (upstreamModels.put(local, eq < 0 ? v : v.substring(eq + 1)) != null) {
                            throw new IllegalArgumentException("model " + local + " is mapped twice");
                        }
                    }
                    case "--upstream-timeout-ms" -> upstreamTimeout = Duration.ofMillis(Long.parseLong(v));
                    case "--api-key-env" -> openAi = openAi.withRequiredKey(new OpenAiSettings.ApiKey(envKey(env, v)));
                    case "--price-per-input-token-wei" -> inputPrice = new BigInteger(v);
                    case "--price-per-output-token-wei" -> outputPrice = new BigInteger(v);
                    case "--llm-worker-memory-mb", "--llm-restart-backoff-ms", "--llm-restart-backoff-max-ms", "--llm-poison-ttl-ms",
                         "--llm-poison-capacity", "--llm-stall-ms" -> openAi = openAi.withWorkers(llmWorkers(openAi.workers(), flag, Long.parseLong(v)));
                    case "--llm-schema-max-nodes", "--llm-schema-max-depth", "--llm-schema-max-repetition",
                         "--llm-schema-max-pattern" -> openAi = openAi.withSchemaLimits(schemaLimits(openAi.schemaLimits(), flag,
                            Integer.parseInt(v)));
                    case "--embedding-max-inputs" -> openAi = openAi.withEmbeddingLimits(new OpenAiSettings.EmbeddingLimits(
                            Integer.parseInt(v), openAi.embeddingLimits().maxInputTokens()));
                    case "--embedding-max-input-tokens" -> openAi = openAi.withEmbeddingLimits(new OpenAiSettings.EmbeddingLimits(
                            openAi.embeddingLimits().maxInputs(), Integer.parseInt(v)));
                    case "--max-run-ms" -> config = config.withMaxRun(Duration.ofMillis(nonNegative(Long.parseLong(v))));
                    case "--receipt-log-reserve-mb" -> config = config.withReceiptLogReserve(mebibytes(Long.parseLong(v)));
                    case "--fault-perturb" -> faults = faults.withPerturb(Double.parseDouble(v));
                    case "--fault-latency-ms" -> faults = faults.withAddedLatency(Duration.ofMillis(Long.parseLong(v)));
                    default -> throw new IllegalArgumentException("unknown argument " + flag);
                }
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException(flag + ": not a URL: " + e.getMessage(), e);
            } catch (IllegalArgumentException e) { // NumberFormatException too
                if (e.getMessage() != null && e.getMessage().startsWith("unknown argument")) throw e;
                throw new IllegalArgumentException(flag + ": " + (e instanceof NumberFormatException
                        ? "expected a number, got '" + v + "'" : e.getMessage()), e);
            }
        }
        if (detTraceSet && config.engine() != io.verity.engine.EngineKind.DET) { // ONNX Runtime keeps no trace to commit to
            throw new IllegalArgumentException("--det-trace: only the deterministic engine keeps a trace; add --engine det");
        }
        if (chain == null && (rpc != null || batchSize != null || batchMin != null || batchAge != null || redeemInterval != null
                || paymentCredit != null || txSet)) {
            throw new IllegalArgumentException("--rpc, --batch-size, --batch-min, --batch-age-ms, --redeem-interval-ms,"
                    + " --payment-credit-wei and --tx-* need --deployment");
        }
        if (chain == null && publicUrl != null) { // it is announced in NodeRegistry, and only there
            throw new IllegalArgumentException("--public-url needs --deployment");
        }
        if (chain != null) {
            try {
                chain = chain.withBatching(batchSize == null ? chain.batchSize() : batchSize,
                        batchAge == null ? chain.batchAge() : batchAge);
                if (batchMin != null) chain = chain.withBatchMin(batchMin);
                if (redeemInterval != null) chain = chain.withRedeemInterval(redeemInterval);
                if (paymentCredit != null) chain = chain.withPaymentCredit(paymentCredit);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--batch-size/--batch-min/--batch-age-ms/--redeem-interval-ms/--payment-credit-wei: "
                        + e.getMessage(), e);
            }
            chain = chain.withTxPolicy(tx);
            var account = keystore.account(env);
            if (account.isPresent()) chain = chain.withAccountKey(account.get().privateKeyHex());
            try {
                if (publicUrl != null) chain = chain.withPublicUrl(publicUrl);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--public-url: " + e.getMessage(), e);
            }
            config = config.withChainSettings(rpc == null ? chain : chain.withRpcUrl(rpc));
        } else if (keystore.account(env).isPresent()) {
            throw new IllegalArgumentException("--keystore needs --deployment (without a chain the node signs with"
                    + " VERITY_NODE_KEY or HOME/node.key)");
        }
        if (attestation == null && !attestationWith.isEmpty()) {
            throw new IllegalArgumentException("--attestation-with needs --attestation");
        }
        if (attestation != null) config = config.withAttestation(NodeEvidence.read(attestation, attestationWith));
        if (upstreamUrl == null && (upstreamKey != null || !upstreamModels.isEmpty())) {
            throw new IllegalArgumentException("--upstream-key-env/-file and --upstream-model need --upstream-url");
        }
        if (upstreamUrl != null) {
            if (upstreamModels.isEmpty()) throw new IllegalArgumentException("--upstream-url needs at least one --upstream-model");
            try {
                openAi = openAi.withUpstream(new OpenAiSettings.Upstream(upstreamUrl, java.util.Optional.ofNullable(upstreamKey),
                        upstreamModels, upstreamTimeout));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--upstream-*: " + e.getMessage(), e);
            }
        }
        if ((inputPrice == null) != (outputPrice == null)) {
            throw new IllegalArgumentException("--price-per-input-token-wei and --price-per-output-token-wei go together");
        }
        if (inputPrice != null) {
            try {
                openAi = openAi.withTokenPrices(new OpenAiSettings.TokenPrices(inputPrice, outputPrice));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--price-per-*-token-wei: " + e.getMessage(), e);
            }
        }
        config = config.withOpenAi(openAi);
        return config.withFaults(faults);
    }

    /** A limit in ms where 0 turns it off. */
    private static long mebibytes(long mb) {
        if (mb < 0 || mb > 1024) throw new IllegalArgumentException("expected MiB between 0 and 1024 (0: no reserve), got " + mb);
        return mb << 20;
    }

    private static long nonNegative(long ms) {
        if (ms < 0) throw new IllegalArgumentException("expected milliseconds >= 0 (0: no limit), got " + ms);
        return ms;
    }

    private static String keyFile(Path file) {
        try {
            String key = java.nio.file.Files.readString(file).strip();
            if (key.isEmpty()) throw new IllegalArgumentException(file + " is empty");
            return key;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The --llm-worker-* / --llm-restart-* / --llm-poison-* / --llm-stall-ms flags (docs/security.md, "Language models"). */
    private static io.verity.llm.LlmEngine.Options llmWorkers(io.verity.llm.LlmEngine.Options o, String flag, long v) {
        return switch (flag) {
            case "--llm-worker-memory-mb" -> o.withMemoryMb(v);
            case "--llm-restart-backoff-ms" -> o.withBackoff(Duration.ofMillis(v), o.maxBackoff().compareTo(Duration.ofMillis(v)) < 0
                    ? Duration.ofMillis(v) : o.maxBackoff());
            case "--llm-restart-backoff-max-ms" -> o.withBackoff(o.minBackoff(), Duration.ofMillis(v));
            case "--llm-poison-ttl-ms" -> o.withPoison(Duration.ofMillis(v), o.poisonCapacity());
            case "--llm-stall-ms" -> o.withStallLimit(Duration.ofMillis(v));
            default -> o.withPoison(o.poisonTtl(), Math.toIntExact(v));
        };
    }

    /** The --llm-schema-* flags. */
    private static io.verity.llm.schema.SchemaGuard.Limits schemaLimits(io.verity.llm.schema.SchemaGuard.Limits l, String flag, int v) {
        return switch (flag) {
            case "--llm-schema-max-nodes" -> new io.verity.llm.schema.SchemaGuard.Limits(v, l.maxDepth(), l.maxRepetition(), l.maxPatternLength());
            case "--llm-schema-max-depth" -> new io.verity.llm.schema.SchemaGuard.Limits(l.maxNodes(), v, l.maxRepetition(), l.maxPatternLength());
            case "--llm-schema-max-repetition" -> new io.verity.llm.schema.SchemaGuard.Limits(l.maxNodes(), l.maxDepth(), v, l.maxPatternLength());
            default -> new io.verity.llm.schema.SchemaGuard.Limits(l.maxNodes(), l.maxDepth(), l.maxRepetition(), v);
        };
    }

    private static String envKey(java.util.function.UnaryOperator<String> env, String name) {
        String key = env.apply(name);
        if (key == null || key.isBlank()) throw new IllegalArgumentException("environment variable " + name + " is not set");
        return key.strip();
    }

    /** Starts the node, prints the READY line, and blocks until the JVM is asked to shut down. */
    public static void runUntilTerminated(NodeConfig config) throws IOException, InterruptedException {
        InferenceNode node = InferenceNode.start(config);
        ServerMain.serveUntilTerminated("node", node::close, ReadyLine.of(node.url(), node.address()));
    }
}
