package io.verity.cli;

import io.verity.chain.ChainAccount;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.ChainException;
import io.verity.chain.Deployment;
import io.verity.cli.keys.NodeKeyOptions;
import io.verity.cli.keys.OperatorCommands;
import io.verity.cli.keys.OperatorOptions;
import io.verity.node.NodeMain;
import io.verity.node.hub.ModelHub;
import io.verity.node.settle.NodeRegistration;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.Signature;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "node", mixinStandardHelpOptions = true, description = "Run an inference node.",
        subcommands = {NodeCommand.Start.class, NodeCommand.Register.class, OperatorCommands.RotateKey.class,
                OperatorCommands.RevokeKey.class, OperatorCommands.Unbond.class, OperatorCommands.Withdraw.class})
public final class NodeCommand {

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Serve the models in the hub over HTTP until interrupted; prints READY <url> <address>.")
    static final class Start implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--home", description = "node home (key, models, receipts); default $VERITY_HOME or ~/.verity")
        Path home;

        @picocli.CommandLine.Mixin
        ListenOptions listen = new ListenOptions(7070);

        @picocli.CommandLine.Mixin
        PriceOption price = new PriceOption();

        @Option(names = "--threads", defaultValue = "1", description = "engine threads per inference (default: ${DEFAULT-VALUE})")
        int threads;

        @Option(names = "--engine", paramLabel = "det|onnxruntime", description = "engine for models whose manifest names"
                + " none: onnxruntime (default) or det, the deterministic engine (bit-exact answers, disputable on chain)")
        String engine;

        @Option(names = "--det-contract", paramLabel = "2|3", description = "the deterministic engine's arithmetic contract,"
                + " signed into its receipts: 3 (verity-det/3, default) or 2 (verity-det/2); receipts of either stay disputable")
        String detContract;

        @Option(names = "--det-trace", paramLabel = "on-challenge|eager", description = "with --engine det: when to commit to"
                + " an answer's execution trace: on-challenge (default: untraced runs, the trace recomputed if disputed) or eager"
                + " (every run traced, ~10x slower, its root signed in the receipt)")
        String detTrace;

        @Option(names = "--deployment", description = "settle on this chain: contract addresses and RPC (JSON, e.g. from verity up)")
        Path deployment;

        @Option(names = "--rpc", description = "EVM JSON-RPC URL, overriding the deployment's")
        String rpc;

        @picocli.CommandLine.Mixin
        ConfigFileOption configFile = new ConfigFileOption();

        @Option(names = "--public-url", description = "with --deployment: the URL announced in NodeRegistry (default: the"
                + " bound address), e.g. https://node.example.com behind a reverse proxy")
        String publicUrl;

        @Option(names = "--batch-age-ms", description = "with --deployment: commit a batch once its oldest receipt waited this long (default: 10000)")
        Long batchAgeMs;

        @Option(names = "--batch-min", description = "with --deployment: commit every waiting receipt (up to --batch-size) as soon as"
                + " this many wait, without waiting for --batch-age-ms (default: 128; docs/benchmarks.md, \"Verification latency\")")
        Integer batchMin;

        @Option(names = "--redeem-interval-ms", description = "with --deployment: how often to redeem held payment vouchers (default 2000)")
        Long redeemIntervalMs;

        @Option(names = "--payment-credit-wei", description = "with --deployment: how much a payer may owe beyond its vouchers before 402 (default: 100 answers at --price-wei)")
        BigInteger paymentCreditWei;

        @Option(names = "--attestation", description = "TEE evidence file this node runs under (Nitro, TDX/SGX, SEV-SNP, H100); default: none")
        Path attestation;

        @Option(names = "--attestation-with", description = "collateral for --attestation (certificates, TCB info, CRLs, RIMs); repeatable")
        java.util.List<Path> attestationWith = java.util.List.of();

        @Option(names = "--upstream-url", description = "proxy mode: an OpenAI-compatible upstream (base URL, e.g. https://api.example.com/v1)")
        String upstreamUrl;

        @Option(names = "--upstream-model", description = "proxy mode: LOCAL[=REMOTE], a model served here and its upstream name; repeatable")
        java.util.List<String> upstreamModels = java.util.List.of();

        @Option(names = "--upstream-key-env", description = "proxy mode: the environment variable holding the upstream's API key")
        String upstreamKeyEnv;

        @Option(names = "--upstream-timeout-ms", description = "proxy mode: give up on a silent upstream after this long (default 120000)")
        Long upstreamTimeoutMs;

        @Option(names = "--api-key-env", description = "require this environment variable's value as the bearer key on the OpenAI routes")
        String apiKeyEnv;

        @Option(names = "--price-per-input-token-wei", description = "language models: price per prompt token (with --price-per-output-token-wei)")
        BigInteger inputTokenPrice;

        @Option(names = "--price-per-output-token-wei", description = "language models: price per completion token (with --price-per-input-token-wei)")
        BigInteger outputTokenPrice;

        @Option(names = "--llm-worker-memory-mb", description = "language models: each llama.cpp worker's address-space limit in MiB, 0 for none (default 4096)")
        Long llmWorkerMemoryMb;

        @Option(names = "--llm-restart-backoff-ms", description = "language models: first wait before restarting a dead worker (default 500)")
        Long llmRestartBackoffMs;

        @Option(names = "--llm-restart-backoff-max-ms", description = "language models: longest wait between restart attempts (default 60000)")
        Long llmRestartBackoffMaxMs;

        @Option(names = "--llm-poison-ttl-ms", description = "language models: how long a request a worker crashed on is refused (default 600000)")
        Long llmPoisonTtlMs;

        @Option(names = "--llm-poison-capacity", description = "language models: how many such requests are remembered (default 1024)")
        Long llmPoisonCapacity;

        @Option(names = "--llm-stall-ms", description = "language models: kill a worker that writes nothing for this long while it runs a request, 0 for no limit (default 120000)")
        Long llmStallMs;

        @Option(names = "--llm-schema-max-nodes", description = "language models: JSON values in a response_format or tool schema (default 4096)")
        Integer llmSchemaMaxNodes;

        @Option(names = "--llm-schema-max-depth", description = "language models: nesting of such a schema (default 32)")
        Integer llmSchemaMaxDepth;

        @Option(names = "--llm-schema-max-repetition", description = "language models: largest minLength/maxLength/minItems/maxItems and {m,n} (default 4096)")
        Integer llmSchemaMaxRepetition;

        @Option(names = "--llm-schema-max-pattern", description = "language models: characters of a schema pattern (default 1024)")
        Integer llmSchemaMaxPattern;

        @Option(names = "--embedding-max-inputs", description = "embeddings: inputs in one request (default 256)")
        Integer embeddingMaxInputs;

        @Option(names = "--embedding-max-input-tokens", description = "embeddings: token ids in one token-array input (default 512)")
        Integer embeddingMaxInputTokens;

        @Option(names = "--max-run-ms", description = "stop an inference that runs longer, answering 422 run-too-long (default 20000, 0: no limit)")
        Long maxRunMs;

        @Option(names = "--receipt-log-reserve-mb", description = "MiB the receipt log writes ahead as zeros, so an answer's sync flushes no file size (default 4, 0: grow with every append)")
        Long receiptLogReserveMb;

        @Option(names = "--fault-perturb", description = "TEST ONLY: probability in [0,1] of signing outputs with random noise added (a lying node)")
        Double faultPerturb;

        @Option(names = "--fault-latency-ms", description = "TEST ONLY: sleep this long before each inference answer")
        Long faultLatencyMs;

        @picocli.CommandLine.Mixin
        HttpLimitOptions httpLimits = new HttpLimitOptions();

        @picocli.CommandLine.Mixin
        TxOptions tx = new TxOptions();

        @picocli.CommandLine.Mixin
        NodeKeyOptions key = new NodeKeyOptions(); // --keystore with its password, forwarded to NodeMain

        @Override
        public Integer call() throws Exception {
            NodeMain.runUntilTerminated(config());
            return 0;
        }

        /** The options through NodeMain's parser: typed ones first, then environment and --config, then defaults. */
        io.verity.node.NodeConfig config() {
            return Flags.throughMain(spec, (typed, defaults) -> {
                Flags.add(home == null ? defaults : typed, "--home", Homes.resolve(home));
                Flags.add(typed, "--deployment", deployment == null ? null : deployment.toAbsolutePath());
            }, NodeMain.FLAGS, NodeMain::parse);
        }
    }

    @Command(name = "register", mixinStandardHelpOptions = true,
            description = {"Register a node in NodeRegistry and stake (or top up to the minimum, or move its endpoint).",
                    "Without --operator-keystore the node is its own operator: its key (--keystore, else $VERITY_NODE_KEY,",
                    "else HOME/node.key) stakes, as a node started with --deployment does by itself.",
                    "With --operator-keystore the operator's (cold) key registers the node key --node and stakes behind it;",
                    "--consent is the node key's signature from verity keys consent (run where the node key is)."})
    static final class Register implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        ChainOptions chainOptions = new ChainOptions();

        @picocli.CommandLine.Mixin
        NodeKeyOptions nodeKey = new NodeKeyOptions();

        @Option(names = "--endpoint", required = true, description = "the URL clients reach the node at")
        String endpoint;

        @picocli.CommandLine.Mixin
        PriceOption price = new PriceOption();

        @Option(names = "--stake-wei", description = "stake to deposit; default: the registry's minimum")
        BigInteger stake;

        @Option(names = "--operator-keystore", paramLabel = "FILE", description = "the operator's keystore (its password:"
                + " --password-file or --password-env); the node key is then --node")
        Path operatorKeystore;

        @Option(names = "--node", paramLabel = "ADDRESS", description = "with --operator-keystore: the node key's address")
        String node;

        @Option(names = "--consent", paramLabel = "HEX", description = "with --operator-keystore: the node key's consent"
                + " (verity keys consent); not needed to re-register a key this operator already operates")
        String consent;

        @Override
        public Integer call() throws Exception {
            Deployment d = chainOptions.required();
            Path home = chainOptions.home.dir();
            List<Keccak256> models = new ModelHub(home.resolve("models")).list().stream().map(m -> m.digest()).toList();
            if (operatorKeystore == null) {
                if (node != null || consent != null) throw new TensorFiles.UsageError("--node and --consent need --operator-keystore");
                ChainAccount account = nodeKey.account(home);
                return OperatorCommands.onChain(d, account, chain -> {
                    var done = NodeRegistration.ensure(chain.nodes(), account.address(), endpoint, models, price.wei,
                            Optional.ofNullable(stake), true);
                    System.out.println("node " + account.address() + (done.isEmpty() ? ": already registered as given" : ": " + done));
                    System.out.println("  stake " + chain.nodes().stakeOf(account.address()) + " wei, " + models.size()
                            + " model(s), endpoint " + endpoint);
                });
            }
            if (nodeKey.keystoreGiven()) {
                throw new TensorFiles.UsageError("with --operator-keystore the node key stays where it is: name it with --node"
                        + " ADDRESS and --consent (verity keys consent)");
            }
            if (node == null) throw new TensorFiles.UsageError("--operator-keystore needs --node ADDRESS");
            ChainAccount operator = OperatorOptions.open(operatorKeystore, nodeKey.password());
            EvmAddress nodeAddress = EvmAddress.parse(node);
            return OperatorCommands.onChain(d, operator, chain -> {
                var nodes = chain.nodes();
                BigInteger min = nodes.minStake();
                var existing = nodes.node(nodeAddress);
                boolean ours = nodes.operatorOf(nodeAddress).filter(operator.address()::equals).isPresent();
                if (existing.isEmpty() || !existing.get().active()) {
                    if (!ours && consent == null) {
                        throw new TensorFiles.UsageError("--consent is needed to register a new node key (verity keys consent"
                                + " --operator " + operator.address() + " where the node key is)");
                    }
                    Signature sig = consent == null ? Signature.wrap(new byte[Signature.LENGTH]) : Signature.parse(consent);
                    // by default only what the operator's stake lacks: after a revocation the kept stake backs the new key
                    BigInteger deposit = stake != null ? stake : min.subtract(nodes.operatorStake(operator.address())).max(BigInteger.ZERO);
                    NodeRegistration.check("registerNode", nodes.registerNode(nodeAddress, sig, endpoint, models, Keccak256.ZERO,
                            price.wei, deposit));
                    System.out.println("node " + nodeAddress + ": REGISTERED by operator " + operator.address());
                } else if (existing.get().stake().compareTo(min) < 0) {
                    NodeRegistration.check("topUp", nodes.topUp(min.subtract(existing.get().stake())));
                    System.out.println("node " + nodeAddress + ": TOPPED_UP by operator " + operator.address());
                } else {
                    System.out.println("node " + nodeAddress + ": already registered and staked");
                }
                System.out.println("  stake " + nodes.stakeOf(nodeAddress) + " wei (operator " + operator.address() + ")");
            });
        }
    }
}
