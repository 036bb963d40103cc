package io.verity.cli;

import io.verity.chain.ChainAccount;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.ChainException;
import io.verity.chain.Deployment;
import io.verity.node.NodeMain;
import io.verity.node.hub.ModelHub;
import io.verity.node.settle.NodeRegistration;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "node", mixinStandardHelpOptions = true, description = "Run an inference node.",
        subcommands = {NodeCommand.Start.class, NodeCommand.Register.class})
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

        @Option(names = "--price-wei", defaultValue = "0", description = "price per inference in wei (default: ${DEFAULT-VALUE})")
        BigInteger price;

        @Option(names = "--threads", defaultValue = "1", description = "engine threads per inference (default: ${DEFAULT-VALUE})")
        int threads;

        @Option(names = "--engine", paramLabel = "det|onnxruntime", description = "engine for models whose manifest names"
                + " none: onnxruntime (default) or det, the deterministic engine (bit-exact answers, disputable on chain)")
        String engine;

        @Option(names = "--deployment", description = "settle on this chain: contract addresses and RPC (JSON, e.g. from verity up)")
        Path deployment;

        @Option(names = "--rpc", description = "EVM JSON-RPC URL, overriding the deployment's")
        String rpc;

        @Option(names = "--config", paramLabel = "FILE", description = "a config file of key = value lines, one per flag"
                + " (docs/operators.md); flags and VERITY_<FLAG> variables override it (default: $VERITY_CONFIG)")
        Path config;

        @Option(names = "--public-url", description = "with --deployment: the URL announced in NodeRegistry (default: the"
                + " bound address), e.g. https://node.example.com behind a reverse proxy")
        String publicUrl;

        @Option(names = "--batch-age-ms", description = "with --deployment: commit a batch once its oldest receipt waited this long (default: 10000)")
        Long batchAgeMs;

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

        @Option(names = "--fault-perturb", description = "TEST ONLY: probability in [0,1] of signing outputs with random noise added (a lying node)")
        Double faultPerturb;

        @Option(names = "--fault-latency-ms", description = "TEST ONLY: sleep this long before each inference answer")
        Long faultLatencyMs;

        @picocli.CommandLine.Mixin
        HttpLimitOptions httpLimits = new HttpLimitOptions();

        @Override
        public Integer call() throws Exception {
            NodeMain.runUntilTerminated(config());
            return 0;
        }

        /** The options through NodeMain's parser: typed ones first, then environment and --config, then defaults. */
        io.verity.node.NodeConfig config() {
            List<String> typed = Flags.typed(spec, Set.of("--home", "--deployment"));
            List<String> defaults = Flags.defaults(spec, Set.of("--home", "--deployment"));
            Flags.add(home == null ? defaults : typed, "--home", Homes.resolve(home));
            Flags.add(typed, "--deployment", deployment == null ? null : deployment.toAbsolutePath());
            return Flags.parse(typed, defaults, NodeMain.FLAGS, NodeMain::parse);
        }
    }

    @Command(name = "register", mixinStandardHelpOptions = true,
            description = {"Register this node in NodeRegistry and stake (or top up to the minimum, or move its endpoint).",
                    "The chain account is the node's key: $VERITY_NODE_KEY, else HOME/node.key. A node started with",
                    "--deployment does this by itself; this command is for operators who want it done beforehand."})
    static final class Register implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        ChainOptions chainOptions = new ChainOptions();

        @Option(names = "--endpoint", required = true, description = "the URL clients reach the node at")
        String endpoint;

        @Option(names = "--price-wei", defaultValue = "0", description = "price per inference in wei (default: ${DEFAULT-VALUE})")
        BigInteger price;

        @Option(names = "--stake-wei", description = "stake to deposit; default: the registry's minimum")
        BigInteger stake;

        @Override
        public Integer call() throws Exception {
            Deployment d = chainOptions.find().orElseThrow(() -> new TensorFiles.UsageError(
                    "no deployment at " + chainOptions.file() + "; give --deployment"));
            Path home = chainOptions.home.dir();
            String key = System.getenv("VERITY_NODE_KEY");
            if (key == null || key.isBlank()) {
                Path file = home.resolve("node.key");
                if (!Files.exists(file)) {
                    throw new TensorFiles.UsageError("no node key: set VERITY_NODE_KEY or start the node once to create " + file);
                }
                key = Files.readString(file).strip();
            }
            ChainAccount account = ChainAccount.fromPrivateKey(key);
            List<Keccak256> models = new ModelHub(home.resolve("models")).list().stream().map(m -> m.digest()).toList();
            try (ChainClients chain = ChainClients.connect(d, account)) {
                var done = NodeRegistration.ensure(chain.nodes(), account.address(), endpoint, models, price,
                        Optional.ofNullable(stake), true);
                System.out.println("node " + account.address() + (done.isEmpty() ? ": already registered as given" : ": " + done));
                System.out.println("  stake " + chain.nodes().stakeOf(account.address()) + " wei, " + models.size()
                        + " model(s), endpoint " + endpoint);
            } catch (io.verity.chain.ContractRevertedException e) {
                System.err.println("verity: NodeRegistry refused: " + e.getMessage());
                return Main.CHECK_FAILED;
            } catch (ChainException e) {
                System.err.println("verity: " + e.getMessage());
                return Main.UNREACHABLE;
            }
            return 0;
        }
    }
}
