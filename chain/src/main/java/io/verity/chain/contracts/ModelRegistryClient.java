package io.verity.chain.contracts;

import io.verity.chain.ChainConnection;
import io.verity.chain.ContractRevertedException;
import io.verity.chain.TxOutcome;
import io.verity.chain.W3;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Uint8;

/** Typed calls to a deployed ModelRegistry, as the connection's account. */
@SuppressWarnings("rawtypes") // web3j's ABI API traffics in raw Type (List<Type>)
public final class ModelRegistryClient extends ContractClient {
    public ModelRegistryClient(ChainConnection chain, EvmAddress address) {
        super(chain, address);
    }

    /** The caller becomes the entry's owner. Event ModelRegistered. */
    public TxOutcome register(Keccak256 digest, String manifestUri, String name, String version) {
        return send(W3.fn("register", W3.bytes32(digest), new Utf8String(manifestUri),
                new Utf8String(name), new Utf8String(version)));
    }

    /** {@link #register} with the model's comparison rule, in one transaction. Events ModelRegistered, RuleSet. */
    public TxOutcome register(Keccak256 digest, String manifestUri, String name, String version, ComparisonRule rule) {
        return send(W3.fn("registerWithRule", W3.bytes32(digest), new Utf8String(manifestUri),
                new Utf8String(name), new Utf8String(version), new Uint8(rule.kind()), W3.uint64(rule.absPpb()),
                W3.uint64(rule.relPpb())));
    }

    /** Owner only. Event RuleSet. */
    public TxOutcome setRule(Keccak256 digest, ComparisonRule rule) {
        return send(W3.fn("setRule", W3.bytes32(digest), new Uint8(rule.kind()), W3.uint64(rule.absPpb()),
                W3.uint64(rule.relPpb())));
    }

    /** The model's comparison rule ({@link ComparisonRule.None} if its owner set none), or empty when not registered. */
    public Optional<ComparisonRule> rule(Keccak256 digest) {
        return callUnless("UnknownModel", W3.fn("ruleOf", List.of(W3.bytes32(digest)), "uint8", "uint64", "uint64"))
                .map(r -> ComparisonRule.of(W3.uint(r, 0).intValueExact(), W3.uint(r, 1).longValueExact(),
                        W3.uint(r, 2).longValueExact()));
    }

    /** Owner only. Event ManifestUpdated. */
    public TxOutcome updateManifest(Keccak256 digest, String manifestUri) {
        return send(W3.fn("updateManifest", W3.bytes32(digest), new Utf8String(manifestUri)));
    }

    /** Owner only. Event ModelTransferred. */
    public TxOutcome transfer(Keccak256 digest, EvmAddress to) {
        return send(W3.fn("transfer", W3.bytes32(digest), W3.address(to)));
    }

    /** The model's entry, or empty when the digest is not registered. */
    public Optional<ModelInfo> model(Keccak256 digest) {
        return callUnless("UnknownModel", W3.fn("getModel", List.of(W3.bytes32(digest)), "address", "string", "string", "string", "uint64"))
                .map(r -> new ModelInfo(digest, (EvmAddress) W3.java(r, 0), (String) W3.java(r, 1), (String) W3.java(r, 2),
                        (String) W3.java(r, 3), Instant.ofEpochSecond(W3.uint(r, 4).longValueExact())));
    }

    public long modelCount() {
        return W3.uint(call(W3.fn("modelCount", List.of(), "uint256")), 0).longValueExact();
    }

    /** @throws ContractRevertedException IndexOutOfRange when {@code index >= modelCount()} */
    public Keccak256 modelAt(long index) {
        return (Keccak256) W3.java(call(W3.fn("modelAt", List.of(W3.uint256(index)), "bytes32")), 0);
    }
}
