package io.verity.chain.contracts;

import io.verity.chain.ChainConnection;
import io.verity.chain.ContractRevertedException;
import io.verity.chain.TxOutcome;
import io.verity.chain.W3;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.crypto.Signature;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;

/** Typed calls to a deployed NodeRegistry, as the connection's account. */
@SuppressWarnings("rawtypes") // web3j's ABI API traffics in raw Type (List<Type>)
public final class NodeRegistryClient extends ContractClient {
    public NodeRegistryClient(ChainConnection chain, EvmAddress address) {
        super(chain, address);
    }

    /** Registers the caller as a node that is its own operator, with {@code stake} wei (at least {@link #minStake()}). Event NodeRegistered. */
    public TxOutcome register(String endpoint, List<Keccak256> models, Keccak256 attestationDigest, BigInteger price, BigInteger stake) {
        return chain.send(address, W3.fn("register", new Utf8String(endpoint), W3.bytes32s(models),
                W3.bytes32(attestationDigest), W3.uint256(price)), stake);
    }

    /**
     * As operator (this client's account), registers {@code node}, another key, and stakes {@code stake} wei behind
     * it. {@code consent} is the node key's signature ({@link #consentFor}); any value for a key this operator
     * already operates (re-registering after an exit). Events NodeKeyAuthorized (first time) and NodeRegistered.
     */
    public TxOutcome registerNode(EvmAddress node, Signature consent, String endpoint, List<Keccak256> models,
            Keccak256 attestationDigest, BigInteger price, BigInteger stake) {
        return chain.send(address, W3.fn("registerNode", W3.address(node), W3.bytes(consent.toArray()),
                new Utf8String(endpoint), W3.bytes32s(models), W3.bytes32(attestationDigest), W3.uint256(price)), stake);
    }

    /**
     * The node key's consent to be operated by {@code operator} in this registry (EIP-712 NodeKeyConsent in the
     * registry's domain: chain id and registry address, so it is good nowhere else). Needs the node key, so the
     * operator signs it where both keys are, e.g. {@code verity node register --node-keystore}.
     */
    public Signature consentFor(EvmAddress operator, NodeKey node) {
        return node.sign(consentDigest(operator, node.address()));
    }

    public Keccak256 consentDigest(EvmAddress operator, EvmAddress node) {
        return (Keccak256) W3.java(call(W3.fn("consentDigest", List.of(W3.address(operator), W3.address(node)), "bytes32")), 0);
    }

    /**
     * Operator only: replaces its node key with {@code newNode} (never registered before; {@code consent} from it).
     * The old key is revoked. Events NodeKeyAuthorized, NodeKeyRotated, NodeRegistered.
     */
    public TxOutcome rotateNodeKey(EvmAddress newNode, Signature consent) {
        return send(W3.fn("rotateNodeKey", W3.address(newNode), W3.bytes(consent.toArray())));
    }

    /** Operator only: revokes its node key; the stake stays. Event NodeKeyRevoked. */
    public TxOutcome revokeNodeKey() {
        return send(W3.fn("revokeNodeKey"));
    }

    /** The operator that authorised {@code node} (itself for a self-operated node), empty when unknown. */
    public Optional<EvmAddress> operatorOf(EvmAddress node) {
        EvmAddress a = (EvmAddress) W3.java(call(W3.fn("operatorOf", List.of(W3.address(node)), "address")), 0);
        return a.equals(EvmAddress.ZERO) ? Optional.empty() : Optional.of(a);
    }

    /** The node key {@code operator} backs now, empty when none (never registered one, or revoked it). */
    public Optional<EvmAddress> nodeOf(EvmAddress operator) {
        EvmAddress a = (EvmAddress) W3.java(call(W3.fn("nodeOf", List.of(W3.address(operator)), "address")), 0);
        return a.equals(EvmAddress.ZERO) ? Optional.empty() : Optional.of(a);
    }

    /** What {@code operator} has staked (not unbonding); zero for an address that never staked. */
    public BigInteger operatorStake(EvmAddress operator) {
        return W3.uint(call(W3.fn("operatorStake", List.of(W3.address(operator)), "uint256", "uint256", "uint64")), 0);
    }

    /** True when the key was replaced or revoked by its operator; it never serves again. */
    public boolean isRevoked(EvmAddress node) {
        return (Boolean) W3.java(call(W3.fn("isRevoked", List.of(W3.address(node)), "bool")), 0);
    }

    /** Node key only. Event NodeUpdated. */
    public TxOutcome update(String endpoint, List<Keccak256> models, Keccak256 attestationDigest, BigInteger price) {
        return send(W3.fn("update", new Utf8String(endpoint), W3.bytes32s(models),
                W3.bytes32(attestationDigest), W3.uint256(price)));
    }

    /** Operator only (a self-operated node is its own operator). Event StakeAdded. */
    public TxOutcome topUp(BigInteger amount) {
        return chain.send(address, W3.fn("topUp"), amount);
    }

    /** Operator only. Event UnbondRequested. */
    public TxOutcome requestUnbond(BigInteger amount) {
        return send(W3.fn("requestUnbond", W3.uint256(amount)));
    }

    /** Operator only: the node goes inactive, all stake unbonding. Event NodeExited. */
    public TxOutcome exit() {
        return send(W3.fn("exit"));
    }

    /** Operator only: pays the unbonded stake to the operator after the delay. Event Withdrawn. */
    public TxOutcome withdraw() {
        return send(W3.fn("withdraw"));
    }

    /** Event Heartbeat. */
    public TxOutcome heartbeat() {
        return send(W3.fn("heartbeat"));
    }

    /** Owner only: authorises a slashing contract (e.g. a dispute game). Event SlasherSet. */
    public TxOutcome setSlasher(EvmAddress slasher, boolean allowed) {
        return send(W3.fn("setSlasher", W3.address(slasher), new Bool(allowed)));
    }

    /** Slasher only: the hook every slashing rule calls. Event Slashed. */
    public TxOutcome slash(EvmAddress node, BigInteger amount, EvmAddress beneficiary, BigInteger reward, Keccak256 reason) {
        return send(W3.fn("slash", W3.address(node), W3.uint256(amount), W3.address(beneficiary),
                W3.uint256(reward), W3.bytes32(reason)));
    }

    /** The node's record, or empty when it never registered. */
    public Optional<NodeInfo> node(EvmAddress node) {
        return callUnless("NotRegistered", W3.fn("getNode", List.of(W3.address(node)), "string", "bytes32[]", "bytes32",
                "uint256", "uint256", "uint256", "uint64", "uint64", "uint64", "bool")).map(r -> {
                    @SuppressWarnings("unchecked")
                    List<Keccak256> models = (List<Keccak256>) W3.java(r, 1);
                    return new NodeInfo(node, (String) W3.java(r, 0), models, (Keccak256) W3.java(r, 2),
                            W3.uint(r, 3), W3.uint(r, 4), W3.uint(r, 5), W3.seconds(r, 6), W3.seconds(r, 7), W3.seconds(r, 8),
                            (Boolean) W3.java(r, 9));
                });
    }

    /** Registered, active and holding at least the minimum stake. */
    public boolean isStaked(EvmAddress node) {
        return (Boolean) W3.java(call(W3.fn("isStaked", List.of(W3.address(node)), "bool")), 0);
    }

    public BigInteger stakeOf(EvmAddress node) {
        return W3.uint(call(W3.fn("stakeOf", List.of(W3.address(node)), "uint256")), 0);
    }

    @SuppressWarnings("unchecked")
    public List<EvmAddress> activeNodes() {
        return (List<EvmAddress>) W3.java(call(W3.fn("activeNodes", List.of(), "address[]")), 0);
    }

    /** Every node that ever registered, active or not, in registration order. */
    @SuppressWarnings("unchecked")
    public List<EvmAddress> registeredNodes() {
        return (List<EvmAddress>) W3.java(call(W3.fn("registeredNodes", List.of(), "address[]")), 0);
    }

    public long nodeCount() {
        return W3.uint(call(W3.fn("nodeCount", List.of(), "uint256")), 0).longValueExact();
    }

    public BigInteger minStake() {
        return W3.uint(call(W3.fn("minStake", List.of(), "uint256")), 0);
    }

    public Duration unbondingDelay() {
        return Duration.ofSeconds(W3.uint(call(W3.fn("unbondingDelay", List.of(), "uint64")), 0).longValueExact());
    }

    public boolean isSlasher(EvmAddress who) {
        return (Boolean) W3.java(call(W3.fn("isSlasher", List.of(W3.address(who)), "bool")), 0);
    }

    /** Slashed value paid to no reporter, locked in the registry. */
    public BigInteger burned() {
        return W3.uint(call(W3.fn("burned", List.of(), "uint256")), 0);
    }

    // ---- TEE attestation ----------------------------------------------------------------------------------

    /** Owner only: accepts {@code measurement} (a MeasurementDigest) for evidence of {@code kind}. Event MeasurementAllowed. */
    public TxOutcome allowMeasurement(String kind, Keccak256 measurement) {
        return send(W3.fn("allowMeasurement", kindWord(kind), W3.bytes32(measurement)));
    }

    /** Owner only. Event MeasurementRemoved. */
    public TxOutcome removeMeasurement(String kind, Keccak256 measurement) {
        return send(W3.fn("removeMeasurement", kindWord(kind), W3.bytes32(measurement)));
    }

    /** The measurement digests the owner accepts for {@code kind}, in no particular order. */
    @SuppressWarnings("unchecked")
    public List<Keccak256> allowedMeasurements(String kind) {
        return (List<Keccak256>) W3.java(call(W3.fn("allowedMeasurements", List.of(kindWord(kind)),
                "bytes32[]")), 0);
    }

    public boolean isAllowedMeasurement(String kind, Keccak256 measurement) {
        return (Boolean) W3.java(call(W3.fn("isAllowedMeasurement",
                List.of(kindWord(kind), W3.bytes32(measurement)), "bool")), 0);
    }

    /**
     * Records (again: re-attestation) the caller's evidence digest, kind and evidence URL, stamped with the block
     * time; also becomes the node's {@code attestationDigest}. Event NodeAttested.
     */
    public TxOutcome attest(String kind, Keccak256 evidenceDigest, String evidenceUri) {
        return send(W3.fn("attest", kindWord(kind), W3.bytes32(evidenceDigest),
                new Utf8String(evidenceUri)));
    }

    /** The node's latest attestation, or empty when it never attested. */
    public Optional<NodeAttestation> attestation(EvmAddress node) {
        List<Type> r = call(W3.fn("attestationOf", List.of(W3.address(node)), "bytes32", "bytes32",
                "string", "uint64"));
        java.time.Instant at = W3.seconds(r, 3);
        if (at.getEpochSecond() == 0) return Optional.empty();
        return Optional.of(new NodeAttestation(node, kindName((Keccak256) W3.java(r, 0)), (Keccak256) W3.java(r, 1),
                (String) W3.java(r, 2), at));
    }

    /** An evidence kind as the contract stores it: ASCII, left-aligned in a bytes32 (like Solidity's bytes32("nitro")). */
    static org.web3j.abi.datatypes.generated.Bytes32 kindWord(String kind) {
        return new org.web3j.abi.datatypes.generated.Bytes32(kindBytes(kind));
    }

    public static byte[] kindBytes(String kind) {
        Objects.requireNonNull(kind, "kind");
        byte[] ascii = kind.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (kind.isEmpty() || ascii.length > 32 || !kind.matches("[a-z0-9-]+")) {
            throw new IllegalArgumentException("kind must be 1..32 characters of a-z, 0-9 and '-', e.g. nitro, got '"
                    + kind + "'");
        }
        return java.util.Arrays.copyOf(ascii, 32);
    }

    static String kindName(Keccak256 word) {
        byte[] b = word.toArray();
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
    }

    public EvmAddress owner() {
        return (EvmAddress) W3.java(call(W3.fn("owner", List.of(), "address")), 0);
    }
}
