package io.verity.chain.devnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.ChainAccount;
import io.verity.chain.ChainConnection;
import io.verity.chain.ChainException;
import io.verity.chain.Deployment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local EVM chain for tests and {@code verity up}: a real anvil process (npm {@code @foundry-rs/anvil})
 * on 127.0.0.1 (or {@linkplain Builder#host another address}), with Verity's contracts deployed and anvil's deterministic dev accounts funded.
 *
 * <p>With a {@linkplain Builder#stateDir state dir}, anvil keeps its chain in {@code anvil-state.json}
 * there (dumped every second and on stop) and the deployment in {@code deployment.json}; a later start on
 * the same dir resumes the same chain and contracts instead of deploying again. {@link #stop()} and
 * {@link #restart()} take the chain down and bring it back on the same port, for outage tests.
 *
 * <p>Closing stops anvil; closing twice is harmless, and a JVM shutdown hook stops it if nobody closes.
 */
public final class Devnet implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Listening on ([0-9.]+):(\\d+)");
    private static final Pattern KEY_LINE = Pattern.compile("^\\((\\d+)\\) (0x[0-9a-fA-F]{64})\\s*$");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Builder config;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Thread shutdownHook = new Thread(this::stopQuietly, "devnet-shutdown");
    private Process process;
    private int port;
    private List<ChainAccount> accounts = List.of();
    private Deployment deployment;
    private boolean closed;

    private Devnet(Builder config) {
        this.config = config;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A throwaway devnet with default settings. */
    public static Devnet start() {
        return builder().start();
    }

    public String rpcUrl() {
        return "http://" + config.host + ":" + port;
    }

    public int port() {
        return port;
    }

    public long chainId() {
        return deployment.chainId();
    }

    public Deployment deployment() {
        return deployment;
    }

    /** anvil's funded dev accounts; account 0 deployed the contracts and owns NodeRegistry. */
    public List<ChainAccount> accounts() {
        return accounts;
    }

    public ChainAccount account(int index) {
        if (index < 0 || index >= accounts.size()) {
            throw new IllegalArgumentException("account index must be in 0.." + (accounts.size() - 1) + ", got " + index);
        }
        return accounts.get(index);
    }

    /** A new connection as dev account {@code index}; the caller closes it. */
    public ChainConnection connect(int index) {
        return ChainConnection.open(rpcUrl(), account(index));
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Moves the chain's clock forward and mines a block (anvil's evm_increaseTime + evm_mine). */
    public void advanceTime(Duration by) {
        rpc("evm_increaseTime", by.toSeconds());
        rpc("evm_mine");
    }

    /** Turns anvil's automining on (the default: one block per transaction) or off (blocks only on {@link #mine()}). */
    public void setAutomine(boolean on) {
        rpc("evm_setAutomine", on);
    }

    /** Mines one block now. */
    public void mine() {
        rpc("evm_mine");
    }

    /** Mines {@code blocks} blocks at once (anvil_mine), to pass deadlines counted in blocks without waiting. */
    public void mine(long blocks) {
        if (blocks < 1) throw new IllegalArgumentException("blocks must be >= 1, got " + blocks);
        rpc("anvil_mine", "0x" + Long.toHexString(blocks));
    }

    /** Saves the chain state (anvil's evm_snapshot); returns the id for {@link #revertTo(String)}. */
    public String snapshot() {
        return rpc("evm_snapshot").asText();
    }

    /** Returns the chain to a snapshot (each snapshot can be reverted to once). */
    public void revertTo(String snapshotId) {
        if (!rpc("evm_revert", snapshotId).asBoolean()) {
            throw new ChainException("evm_revert to snapshot " + snapshotId + " failed (unknown or already used)");
        }
    }

    /** Stops anvil (its state is dumped when a state dir is set) but keeps the port for {@link #restart()}. */
    public synchronized void stop() {
        if (process == null) return;
        Process p = process;
        process = null;
        p.destroy(); // SIGTERM: anvil dumps --state on the way out
        try {
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Starts anvil again on the same port, loading the saved state when a state dir is set. */
    public synchronized void restart() {
        if (closed) throw new IllegalStateException("devnet is closed");
        if (isRunning()) return;
        launch(port);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or ran; nothing to remove
        }
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException ignored) {
            // best effort during JVM shutdown
        }
    }

    private synchronized Devnet boot() {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            launch(config.port);
            deployment = deployOrResume();
            if (config.deploymentFile != null) deployment.write(config.deploymentFile);
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private Deployment deployOrResume() {
        Path saved = config.stateDir == null ? null : config.stateDir.resolve("deployment.json");
        try (ChainConnection chain = ChainConnection.open(rpcUrl(), accounts.getFirst())) {
            if (saved != null && Files.exists(saved)) {
                Deployment d = Deployment.read(saved);
                if (d.chainId() == chain.chainId() && chain.hasCode(d.settlement()) && chain.hasCode(d.payments())) {
                    d = d.withRpcUrl(rpcUrl());
                    if (d.disputeGame() == null || !chain.hasCode(d.disputeGame())) { // a chain from before disputes
                        d = d.withDisputeGame(Contracts.deployDisputeGame(chain, d, config.disputes));
                    }
                    if (d.committeeDisputes() == null || !chain.hasCode(d.committeeDisputes())) {
                        d = d.withCommitteeDisputes(Contracts.deployCommitteeDisputes(chain, d, CommitteeParams.defaults()));
                    }
                    d.write(saved);
                    return d;
                }
            }
            Deployment d = Contracts.deploy(chain, config.params, config.disputes);
            if (saved != null) d.write(saved);
            return d;
        }
    }

    private void launch(int wantedPort) {
        Path anvil = config.anvil != null ? config.anvil : NodeTools.locate().resolve(".bin/anvil");
        if (!Files.isExecutable(anvil)) {
            throw new IllegalStateException("anvil not found or not executable at " + anvil
                    + "; install the npm packages (./verity test does) or set VERITY_NODE_MODULES");
        }
        List<String> cmd = new ArrayList<>(config.commandPrefix);
        cmd.addAll(List.of(anvil.toString(), "--host", config.host, "--port",
                Integer.toString(wantedPort), "--chain-id", Long.toString(config.chainId), "--accounts", "10",
                "--balance", "10000"));
        if (config.blockTime != null) cmd.addAll(List.of("--block-time", Long.toString(config.blockTime.toSeconds())));
        if (config.stateDir != null) {
            try {
                Files.createDirectories(config.stateDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create devnet state dir " + config.stateDir, e);
            }
            cmd.addAll(List.of("--state", config.stateDir.resolve("anvil-state.json").toString(), "--state-interval", "1"));
        }
        AnvilBanner banner = new AnvilBanner();
        ChainProcess anvilProcess = ChainProcess.start(new ProcessBuilder(cmd), anvil, banner);
        process = anvilProcess.process();
        try {
            port = banner.ready().get(config.startTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            stop();
            throw new IllegalStateException("anvil did not start within " + config.startTimeout + "; its last output:\n"
                    + String.join("\n", anvilProcess.lastOutput()), e);
        } catch (InterruptedException e) {
            stop();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting anvil", e);
        }
        if (!banner.keys().isEmpty()) accounts = banner.keys();
        awaitRpc();
    }

    /** Reads anvil's banner: the funded keys listed under "Private Keys", then the port it listens on. */
    private static final class AnvilBanner extends ChainProcess.Banner<Integer> {
        private boolean inKeys;

        @Override
        public void accept(String line) {
            if (line.startsWith("Private Keys")) inKeys = true;
            else if (line.startsWith("Wallet")) inKeys = false;
            Matcher k = KEY_LINE.matcher(line.trim());
            if (inKeys && k.matches()) key(k.group(2));
            Matcher m = LISTENING.matcher(line);
            if (m.find()) ready(Integer.parseInt(m.group(2)));
        }
    }

    private void awaitRpc() {
        long deadline = System.nanoTime() + config.startTimeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                rpc("eth_chainId");
                return;
            } catch (RuntimeException e) {
                last = e;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for anvil", e);
            }
        }
        throw new IllegalStateException("anvil on port " + port + " did not answer RPC within " + config.startTimeout, last);
    }

    private JsonNode rpc(String method, Object... params) {
        try {
            String body = JSON.writeValueAsString(java.util.Map.of("jsonrpc", "2.0", "id", 1, "method", method, "params", params));
            HttpRequest req = HttpRequest.newBuilder(URI.create(rpcUrl())).header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
            JsonNode resp = JSON.readTree(http.send(req, HttpResponse.BodyHandlers.ofString()).body());
            if (resp.has("error")) throw new ChainException(method + " failed: " + resp.get("error"));
            return resp.get("result");
        } catch (IOException e) {
            throw new ChainException(method + " to " + rpcUrl() + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChainException(method + " interrupted", e);
        }
    }

    /** Devnet settings; every one has a default. */
    public static final class Builder {
        private Path anvil;
        private Path stateDir;
        private Path deploymentFile;
        private DeployParams params = DeployParams.defaults();
        private DisputeParams disputes = DisputeParams.defaults();
        private Duration startTimeout = Duration.ofSeconds(60);
        private int port;
        private long chainId = 31337;
        private String host = "127.0.0.1";
        private List<String> commandPrefix = List.of();
        private Duration blockTime;

        private Builder() {}

        /** The address anvil binds and {@link #rpcUrl()} names. Default 127.0.0.1. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /**
         * A command anvil's is appended to, e.g. {@code ip netns exec NAME} to run the chain in a network
         * namespace of its own (a test's separate host). Default: none.
         */
        public Builder commandPrefix(List<String> prefix) {
            this.commandPrefix = List.copyOf(prefix);
            return this;
        }

        /**
         * Mines a block every {@code interval} (whole seconds, anvil's {@code --block-time}), as a real chain does,
         * instead of one block per transaction. Default: automine. Deploying then takes a block per transaction.
         */
        public Builder blockTime(Duration interval) {
            if (interval.toSeconds() < 1 || interval.toMillis() % 1000 != 0) {
                throw new IllegalArgumentException("blockTime must be a whole number of seconds >= 1, got " + interval);
            }
            this.blockTime = interval;
            return this;
        }

        /** The anvil binary. Default: {@code .bin/anvil} in the project's node_modules (see {@link NodeTools}). */
        public Builder anvil(Path anvil) {
            this.anvil = Objects.requireNonNull(anvil, "anvil");
            return this;
        }

        /** Keeps the chain and deployment here across restarts. Default: none, the chain is thrown away. */
        public Builder stateDir(Path dir) {
            this.stateDir = Objects.requireNonNull(dir, "stateDir");
            return this;
        }

        /** Also writes the deployment JSON here, for nodes and the CLI. Default: none. */
        public Builder deploymentFile(Path file) {
            this.deploymentFile = Objects.requireNonNull(file, "deploymentFile");
            return this;
        }

        public Builder params(DeployParams params) {
            this.params = Objects.requireNonNull(params, "params");
            return this;
        }

        /** DisputeGame settings. Default: {@link DisputeParams#defaults()}. */
        public Builder disputeParams(DisputeParams disputes) {
            this.disputes = Objects.requireNonNull(disputes, "disputes");
            return this;
        }

        /** Default 60 s; a cold anvil on a busy machine takes a few seconds. */
        public Builder startTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startTimeout must be positive, got " + timeout);
            }
            this.startTimeout = timeout;
            return this;
        }

        /** Fixed loopback port. Default 0: anvil picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in 0..65535, got " + port);
            this.port = port;
            return this;
        }

        /** Default 31337, anvil's and Verity's chainless default. */
        public Builder chainId(long chainId) {
            if (chainId <= 0) throw new IllegalArgumentException("chainId must be > 0, got " + chainId);
            this.chainId = chainId;
            return this;
        }

        /** Starts anvil, waits until it answers, and deploys (or resumes) the contracts. */
        public Devnet start() {
            return new Devnet(this).boot();
        }
    }
}
