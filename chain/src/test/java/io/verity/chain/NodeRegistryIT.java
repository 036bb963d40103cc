package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.chain.contracts.NodeAttestation;
import io.verity.chain.contracts.NodeInfo;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.devnet.Contracts;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;

@DisplayNameGeneration(ReplaceUnderscores.class)
class NodeRegistryIT extends DevnetTestBase {
    static final Keccak256 MODEL = Keccak256.hash(new byte[] {1});
    static final Keccak256 ATTESTATION = Keccak256.hash(new byte[] {2});
    static final BigInteger PRICE = BigInteger.valueOf(1_000);

    static TxOutcome registerNode(int account, BigInteger stake) {
        return registry(account).register("http://127.0.0.1:900" + account, List.of(MODEL), ATTESTATION, PRICE, stake);
    }

    @Test
    void register_records_the_node_emits_NodeRegistered_and_lists_it_as_active() {
        var outcome = registerNode(1, ether(2));

        ChainEvent e = outcome.confirmed().event("NodeRegistered");
        assertThat(e.<EvmAddress>arg("node")).isEqualTo(addr(1));
        assertThat(e.<String>arg("endpoint")).isEqualTo("http://127.0.0.1:9001");
        assertThat(e.<List<Keccak256>>arg("models")).containsExactly(MODEL);
        assertThat(e.<BigInteger>arg("stake")).isEqualTo(ether(2));
        NodeInfo n = registry(0).node(addr(1)).orElseThrow();
        assertThat(n.endpoint()).isEqualTo("http://127.0.0.1:9001");
        assertThat(n.models()).containsExactly(MODEL);
        assertThat(n.attestationDigest()).isEqualTo(ATTESTATION);
        assertThat(n.price()).isEqualTo(PRICE);
        assertThat(n.stake()).isEqualTo(ether(2));
        assertThat(n.active()).isTrue();
        assertThat(registry(0).isStaked(addr(1))).isTrue();
        assertThat(registry(0).activeNodes()).containsExactly(addr(1));
        assertThat(registry(0).nodeCount()).isEqualTo(1);
    }

    @Test
    void register_rejects_a_second_registration_an_empty_endpoint_and_a_stake_below_the_minimum() {
        registerNode(1, ether(1)).confirmed();
        assertReverted(registerNode(1, ether(1)), "AlreadyRegistered", addr(1));
        assertReverted(registry(2).register("", List.of(), Keccak256.ZERO, PRICE, ether(1)), "EmptyEndpoint");
        assertReverted(registerNode(2, ETHER.subtract(BigInteger.ONE)), "StakeBelowMinimum", ETHER.subtract(BigInteger.ONE), ETHER);
    }

    @Test
    void update_changes_the_advertised_service_and_requires_registration_and_an_endpoint() {
        registerNode(1, ether(1)).confirmed();
        Keccak256 other = Keccak256.hash(new byte[] {9});
        var e = registry(1).update("http://node.example", List.of(MODEL, other), Keccak256.ZERO, BigInteger.TWO)
                .confirmed().event("NodeUpdated");
        assertThat(e.<List<Keccak256>>arg("models")).containsExactly(MODEL, other);
        assertThat(registry(0).node(addr(1)).orElseThrow().price()).isEqualTo(BigInteger.TWO);
        assertReverted(registry(1).update("", List.of(), Keccak256.ZERO, BigInteger.ONE), "EmptyEndpoint");
        assertReverted(registry(2).update("x", List.of(), Keccak256.ZERO, BigInteger.ONE), "NotRegistered", addr(2));
    }

    @Test
    void topUp_adds_stake_and_rejects_zero_and_unregistered_callers() {
        registerNode(1, ether(1)).confirmed();
        var e = registry(1).topUp(ether(3)).confirmed().event("StakeAdded");
        assertThat(e.<BigInteger>arg("stake")).isEqualTo(ether(4));
        assertThat(registry(0).stakeOf(addr(1))).isEqualTo(ether(4));
        assertReverted(registry(1).topUp(BigInteger.ZERO), "ZeroAmount");
        assertReverted(registry(2).topUp(ether(1)), "NotRegistered", addr(2));
    }

    @Test
    void unbonding_waits_for_the_delay_then_withdraw_pays_the_node() {
        registerNode(1, ether(3)).confirmed();
        var requested = registry(1).requestUnbond(ether(2)).confirmed().event("UnbondRequested");
        assertThat(requested.<BigInteger>arg("unbonding")).isEqualTo(ether(2));
        assertThat(registry(0).isStaked(addr(1))).as("1 ether left is still the minimum").isTrue();
        var readyAt = ((BigInteger) requested.arg("readyAt")).longValueExact();

        TxOutcome early = registry(1).withdraw();
        assertReverted(early, "UnbondingNotReady");
        assertThat(((TxOutcome.Reverted) early).args().get(0)).isEqualTo(BigInteger.valueOf(readyAt));

        devnet.advanceTime(Duration.ofDays(1).plusSeconds(1));
        ChainConnection node = as(1);
        BigInteger before = node.balanceOf(addr(1));
        var withdrawn = new NodeRegistryClient(node, deployment.nodeRegistry()).withdraw().confirmed();
        assertThat(withdrawn.event("Withdrawn").<BigInteger>arg("amount")).isEqualTo(ether(2));
        BigInteger after = node.balanceOf(addr(1));
        assertThat(after.subtract(before)).as("paid 2 ether minus gas").isBetween(ether(2).subtract(ETHER.divide(BigInteger.valueOf(100))), ether(2));
        assertReverted(registry(1).withdraw(), "NothingToWithdraw", addr(1));
    }

    @Test
    void requestUnbond_rejects_zero_more_than_the_stake_and_unregistered_callers() {
        registerNode(1, ether(1)).confirmed();
        assertReverted(registry(1).requestUnbond(BigInteger.ZERO), "ZeroAmount");
        assertReverted(registry(1).requestUnbond(ether(2)), "InsufficientStake", ether(2), ether(1));
        assertReverted(registry(2).requestUnbond(ether(1)), "NotRegistered", addr(2));
        assertReverted(registry(2).withdraw(), "NotRegistered", addr(2));
    }

    @Test
    void a_node_below_the_minimum_stake_is_not_staked_and_not_listed() {
        registerNode(1, ether(1)).confirmed();
        registry(1).requestUnbond(BigInteger.ONE).confirmed();
        assertThat(registry(0).isStaked(addr(1))).isFalse();
        assertThat(registry(0).activeNodes()).isEmpty();
    }

    @Test
    void heartbeat_updates_last_seen_and_exit_deactivates_and_unbonds_everything() {
        registerNode(1, ether(2)).confirmed();
        devnet.advanceTime(Duration.ofSeconds(100));
        var beat = registry(1).heartbeat().confirmed().event("Heartbeat");
        NodeInfo n = registry(0).node(addr(1)).orElseThrow();
        assertThat(n.lastSeen().getEpochSecond()).isEqualTo(((BigInteger) beat.arg("timestamp")).longValueExact());
        assertThat(n.lastSeen()).isAfter(n.registeredAt());

        var exited = registry(1).exit().confirmed().event("NodeExited");
        assertThat(exited.<BigInteger>arg("unbonding")).isEqualTo(ether(2));
        NodeInfo gone = registry(0).node(addr(1)).orElseThrow();
        assertThat(gone.active()).isFalse();
        assertThat(gone.stake()).isZero();
        assertThat(gone.unbonding()).isEqualTo(ether(2));
        assertThat(registry(0).activeNodes()).isEmpty();
        assertThat(registry(0).registeredNodes()).containsExactly(addr(1));
        assertReverted(registry(1).exit(), "NodeNotActive", addr(1));
        assertReverted(registry(1).heartbeat(), "NodeNotActive", addr(1));
        assertReverted(registry(2).heartbeat(), "NotRegistered", addr(2));
        assertReverted(registry(2).exit(), "NotRegistered", addr(2));
    }

    @Test
    void an_exited_node_registers_again_with_fresh_stake_while_its_old_stake_keeps_unbonding() {
        registerNode(1, ether(2)).confirmed();
        registry(1).exit().confirmed();
        assertReverted(registerNode(1, BigInteger.ONE), "StakeBelowMinimum", BigInteger.ONE, ETHER);

        var again = registerNode(1, ether(1)).confirmed().event("NodeRegistered");

        assertThat(again.<BigInteger>arg("stake")).isEqualTo(ether(1));
        NodeInfo n = registry(0).node(addr(1)).orElseThrow();
        assertThat(n.active()).isTrue();
        assertThat(n.stake()).isEqualTo(ether(1));
        assertThat(n.unbonding()).isEqualTo(ether(2));
        assertThat(registry(0).registeredNodes()).containsExactly(addr(1));
        assertThat(registry(0).activeNodes()).containsExactly(addr(1));
        assertReverted(registerNode(1, ether(1)), "AlreadyRegistered", addr(1));
    }

    @Test
    void node_is_empty_for_an_unknown_address() {
        assertThat(registry(0).node(addr(5))).isEmpty();
    }

    @Test
    void only_the_owner_sets_slashers_and_the_zero_address_is_refused() {
        assertThat(registry(0).owner()).isEqualTo(addr(0));
        assertThat(registry(0).isSlasher(deployment.settlement())).isTrue();
        assertReverted(registry(1).setSlasher(addr(1), true), "OwnableUnauthorizedAccount", addr(1));
        assertReverted(registry(0).setSlasher(EvmAddress.ZERO, true), "ZeroAddress");
        var e = registry(0).setSlasher(addr(7), true).confirmed().event("SlasherSet");
        assertThat(e.<Boolean>arg("allowed")).isTrue();
        assertThat(registry(0).isSlasher(addr(7))).isTrue();
    }

    @Test
    void slash_is_the_hook_for_authorised_slashers_and_reaches_unbonding_stake() {
        registerNode(1, ether(2)).confirmed();
        registry(1).requestUnbond(ether(1)).confirmed();
        Keccak256 reason = Keccak256.hash("dispute".getBytes());
        assertReverted(registry(7).slash(addr(1), ether(1), addr(7), BigInteger.ZERO, reason), "NotSlasher", addr(7));
        registry(0).setSlasher(addr(7), true).confirmed();

        var slashed = registry(7).slash(addr(1), ether(3), addr(8), ether(1), reason).confirmed().event("Slashed");
        assertThat(slashed.<BigInteger>arg("amount")).as("capped at what the node holds").isEqualTo(ether(2));
        assertThat(slashed.<BigInteger>arg("reward")).as("reward shrinks with the amount").isEqualTo(ether(2).divide(BigInteger.valueOf(3)));
        assertThat(slashed.<Keccak256>arg("reason")).isEqualTo(reason);
        NodeInfo n = registry(0).node(addr(1)).orElseThrow();
        assertThat(n.stake()).isZero();
        assertThat(n.unbonding()).isZero();
        assertThat(registry(0).burned()).isEqualTo(ether(2).subtract(ether(2).divide(BigInteger.valueOf(3))));

        assertReverted(registry(7).slash(addr(1), ether(1), addr(8), BigInteger.ZERO, reason), "InsufficientStake", ether(1), BigInteger.ZERO);
        assertReverted(registry(7).slash(addr(2), ether(1), addr(8), BigInteger.ZERO, reason), "NotRegistered", addr(2));
        registerNode(2, ether(1)).confirmed();
        assertReverted(registry(7).slash(addr(2), BigInteger.ZERO, addr(8), BigInteger.ZERO, reason), "ZeroAmount");
        assertReverted(registry(7).slash(addr(2), BigInteger.ONE, addr(8), BigInteger.TWO, reason), "RewardExceedsAmount", BigInteger.TWO, BigInteger.ONE);
    }

    @Test
    void the_owner_keeps_a_measurement_allowlist_per_kind_with_events_and_nobody_else_can_change_it() {
        Keccak256 m1 = Keccak256.hash("image-v1".getBytes());
        Keccak256 m2 = Keccak256.hash("image-v2".getBytes());
        var allowed = registry(0).allowMeasurement("nitro", m1).confirmed().event("MeasurementAllowed");
        assertThat(allowed.<Keccak256>arg("kind")).isEqualTo(Keccak256.wrap(NodeRegistryClient.kindBytes("nitro")));
        assertThat(allowed.<Keccak256>arg("measurement")).isEqualTo(m1);
        registry(0).allowMeasurement("nitro", m2).confirmed();
        assertThat(registry(5).allowedMeasurements("nitro")).containsExactlyInAnyOrder(m1, m2);
        assertThat(registry(5).allowedMeasurements("tdx")).isEmpty();
        assertThat(registry(5).isAllowedMeasurement("nitro", m1)).isTrue();
        assertThat(registry(5).isAllowedMeasurement("tdx", m1)).as("per kind").isFalse();

        assertReverted(registry(0).allowMeasurement("nitro", m1), "MeasurementAlreadyAllowed");
        assertReverted(registry(0).allowMeasurement("nitro", Keccak256.ZERO), "ZeroDigest");
        assertReverted(registry(5).allowMeasurement("nitro", Keccak256.hash("x".getBytes())), "OwnableUnauthorizedAccount", addr(5));
        assertReverted(registry(5).removeMeasurement("nitro", m1), "OwnableUnauthorizedAccount", addr(5));

        var removed = registry(0).removeMeasurement("nitro", m1).confirmed().event("MeasurementRemoved");
        assertThat(removed.<Keccak256>arg("measurement")).isEqualTo(m1);
        assertThat(registry(5).allowedMeasurements("nitro")).containsExactly(m2);
        assertThat(registry(5).isAllowedMeasurement("nitro", m1)).isFalse();
        assertReverted(registry(0).removeMeasurement("nitro", m1), "MeasurementNotAllowed");
        assertThatThrownBy(() -> registry(0).allowMeasurement("Nitro Enclave", m1))
                .hasMessage("kind must be 1..32 characters of a-z, 0-9 and '-', e.g. nitro, got 'Nitro Enclave'");
    }

    @Test
    void attest_records_kind_digest_uri_and_time_and_calling_again_re_attests_later() {
        assertThat(registry(0).attestation(addr(1))).isEmpty();
        Keccak256 evidence = Keccak256.hash("evidence-1".getBytes());
        assertReverted(registry(1).attest("nitro", evidence, "http://127.0.0.1:9001/v1/attestation"), "NotRegistered", addr(1));
        registerNode(1, ether(1)).confirmed();
        assertReverted(registry(1).attest("nitro", Keccak256.ZERO, "u"), "ZeroDigest");

        var e = registry(1).attest("nitro", evidence, "http://127.0.0.1:9001/v1/attestation").confirmed().event("NodeAttested");
        assertThat(e.<EvmAddress>arg("node")).isEqualTo(addr(1));
        assertThat(e.<Keccak256>arg("evidenceDigest")).isEqualTo(evidence);
        NodeAttestation first = registry(0).attestation(addr(1)).orElseThrow();
        assertThat(first.kind()).isEqualTo("nitro");
        assertThat(first.evidenceDigest()).isEqualTo(evidence);
        assertThat(first.evidenceUri()).isEqualTo("http://127.0.0.1:9001/v1/attestation");
        assertThat(first.attestedAt()).isAfter(java.time.Instant.EPOCH);
        assertThat(registry(0).node(addr(1)).orElseThrow().attestationDigest()).as("the node record follows").isEqualTo(evidence);

        devnet.advanceTime(Duration.ofHours(1));
        Keccak256 renewed = Keccak256.hash("evidence-2".getBytes());
        registry(1).attest("sev-snp", renewed, "http://127.0.0.1:9001/v1/attestation").confirmed();
        NodeAttestation second = registry(0).attestation(addr(1)).orElseThrow();
        assertThat(second.kind()).isEqualTo("sev-snp");
        assertThat(second.evidenceDigest()).isEqualTo(renewed);
        assertThat(second.attestedAt()).isAfterOrEqualTo(first.attestedAt().plus(Duration.ofHours(1)));
    }

    @Test
    void the_constructor_rejects_a_zero_minimum_stake_and_a_zero_owner() {
        assertThatThrownBy(() -> Contracts.deploy(as(0), "NodeRegistry", new Uint256(0), new Uint64(0), W3.address(addr(0))))
                .isInstanceOf(ChainException.class)
                .hasMessageContaining("ZeroAmount");
        assertThatThrownBy(() -> Contracts.deploy(as(0), "NodeRegistry", new Uint256(1), new Uint64(0), W3.address(EvmAddress.ZERO)))
                .isInstanceOf(ChainException.class)
                .hasMessageContaining("OwnableInvalidOwner");
    }
}
