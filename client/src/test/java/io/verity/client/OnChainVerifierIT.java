package io.verity.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.verity.chain.fixture.LocalChain;
import io.verity.client.UnverifiedAnswerException.Check;
import io.verity.node.InferenceNode;
import io.verity.node.NodeConfig;
import io.verity.node.fixture.StakedNodes;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.merkle.MerkleBatch;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.wire.InclusionProof;
import io.verity.testing.RealInputs;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The on-chain half of the SDK against a real anvil and a real node that settles every receipt in its own
 * batch: a verified answer's receipt is found settled and staked; receipts from an unregistered key, for
 * another domain, or with a wrong proof are refused with the check that caught them.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OnChainVerifierIT {
    static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(90);

    @TempDir static Path dir;
    @RegisterExtension static final LocalChain devnet = LocalChain.perClass();
    static InferenceNode node;
    static VerityClient verity;
    static SignedReceipt settledReceipt;
    static InclusionProof settledProof;

    @BeforeAll
    static void startChainAndNode() throws Exception {
        Path home = dir.resolve("node");
        StakedNodes.installVad(home);
        node = StakedNodes.start(devnet, NodeConfig.defaults(home).withChainSettings(StakedNodes.chainSettings(devnet, 1)
                .withBatching(1, Duration.ofMillis(200))));
        verity = VerityClient.builder(node.url()).trust(domain()).build();
    }

    @AfterAll
    static void stop() {
        if (verity != null) verity.close();
        if (node != null) node.close();
    }

    static Eip712Domain domain() {
        return Eip712Domain.verity(devnet.chainId(), devnet.deployment().settlement());
    }

    static synchronized SignedReceipt settled() {
        if (settledReceipt == null) {
            settledReceipt = verity.infer(StakedNodes.VAD, RealInputs.sileroVadV5(1), Policy.NONE).receipts().getFirst();
            try (OnChainVerifier chain = OnChainVerifier.connect(devnet.deployment(), verity)) {
                chain.awaitSettled(settledReceipt, SETTLE_TIMEOUT);
            }
            settledProof = verity.proof(settledReceipt).orElseThrow();
        }
        return settledReceipt;
    }

    /** {@code real}'s receipt with {@code key}'s address as its node, signed by {@code key} under {@code domain}. */
    static SignedReceipt signedBy(SignedReceipt real, NodeKey key, Eip712Domain domain) {
        Receipt r = real.receipt();
        return SignedReceipt.sign(new Receipt(r.version(), r.requestId(), r.modelDigest(), r.engine(), r.inputsDigest(),
                r.outputsDigest(), r.traceRoot(), key.address(), r.attestationDigest(), r.verification(), r.price(),
                r.timestamp()), domain, key);
    }

    @Test
    void a_verified_answer_settles_and_its_node_is_staked() {
        SignedReceipt r = verity.infer(StakedNodes.VAD, RealInputs.sileroVadV5(2), Policy.NONE).receipts().getFirst();
        try (OnChainVerifier chain = OnChainVerifier.connect(devnet.deployment(), verity)) {
            OnChainVerifier.Settled s = chain.awaitSettled(r, SETTLE_TIMEOUT);
            assertThat(s.receiptId()).isEqualTo(r.id());
            assertThat(s.node()).isEqualTo(node.address()).isEqualTo(devnet.account(1).address());
            assertThat(s.stake()).isPositive();
            assertThat(s.blockNumber()).isPositive();
            InclusionProof p = verity.proof(r).orElseThrow();
            assertThat(p.batchId()).isEqualTo(s.batchId());
            assertThat(p.holds()).isTrue();
        }
    }

    @Test
    void a_stranger_with_only_the_receipt_finds_the_proof_at_the_registered_endpoint() {
        SignedReceipt r = settled();
        try (OnChainVerifier chain = OnChainVerifier.connect(devnet.deployment())) {
            assertThat(chain.awaitSettled(r, SETTLE_TIMEOUT).batchId()).isEqualTo(settledProof.batchId());
        }
    }

    @Test
    void a_receipt_from_an_unregistered_key_is_refused() {
        SignedReceipt real = settled();
        NodeKey stranger = NodeKey.generate(new SecureRandom());
        SignedReceipt forged = signedBy(real, stranger, domain());
        assertThat(forged.verify(domain()).isValid()).as("offline the forgery is a valid signature").isTrue();
        // a batch of one: the root is the receipt's own leaf, the proof empty
        InclusionProof proof = new InclusionProof(forged.id(), MerkleBatch.leafHash(forged.id()), settledProof.batchId(), List.of());
        try (OnChainVerifier chain = OnChainVerifier.connect(devnet.deployment(), verity)) {
            UnverifiedAnswerException e = catchThrowableOfType(UnverifiedAnswerException.class, () -> chain.verify(forged, proof));
            assertThat(e.check()).isEqualTo(Check.NODE_STAKED);
            assertThat(e.node()).contains(stranger.address());
            assertThat(e.getMessage()).endsWith("node is not registered in NodeRegistry " + devnet.deployment().nodeRegistry());
        }
    }

    @Test
    void a_proof_pointing_at_another_batch_is_refused_by_the_contract() {
        SignedReceipt r = settled();
        InclusionProof wrongBatch = new InclusionProof(settledProof.receiptId(), settledProof.batchRoot(),
                settledProof.batchId() + 1000, settledProof.proof());
        try (OnChainVerifier chain = OnChainVerifier.connect(devnet.deployment(), verity)) {
            assertThat(chain.verify(r, settledProof).batchId()).isEqualTo(settledProof.batchId());
            UnverifiedAnswerException e = catchThrowableOfType(UnverifiedAnswerException.class, () -> chain.verify(r, wrongBatch));
            assertThat(e.check()).isEqualTo(Check.INCLUSION);
            assertThat(e.getMessage()).contains("Settlement.verifyReceipt rejects it: UnknownBatch");
        }
    }

    @Test
    void a_receipt_signed_for_another_domain_is_refused_before_any_call() {
        SignedReceipt real = settled();
        NodeKey key = NodeKey.generate(new SecureRandom());
        SignedReceipt local = signedBy(real, key, Eip712Domain.LOCAL);
        try (OnChainVerifier chain = OnChainVerifier.connect(devnet.deployment(), verity)) {
            UnverifiedAnswerException e = catchThrowableOfType(UnverifiedAnswerException.class,
                    () -> chain.verify(local, new InclusionProof(local.id(), MerkleBatch.leafHash(local.id()), 0, List.of())));
            assertThat(e.check()).isEqualTo(Check.CHAIN_DOMAIN);
        }
    }
}
