// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// @title Verity node registry: who serves which models, at what price, backed by how much stake.
/// @notice A node stakes native currency (at least `minStake`) when it registers. Stake leaves only through
/// unbonding: `requestUnbond` (or `exit`) moves stake aside and `withdraw` pays it out after `unbondingDelay`.
/// Unbonding stake can still be slashed until it is withdrawn. Slashing is done by contracts the owner
/// authorises as slashers (Settlement for equivocation today; a dispute game later).
contract NodeRegistry is Ownable, ReentrancyGuard {
    struct Node {
        string endpoint;
        bytes32[] models;
        bytes32 attestationDigest;
        uint256 price;
        uint256 stake;
        uint256 unbonding;
        uint64 unbondingReadyAt;
        uint64 registeredAt;
        uint64 lastSeen;
        bool registered;
        bool active;
    }

    uint256 public immutable minStake;
    uint64 public immutable unbondingDelay;

    mapping(address => Node) private nodes;
    address[] private nodeList;
    mapping(address => bool) public isSlasher;
    /// Slashed value that went to no reporter; stays locked in this contract (burnt for practical purposes).
    uint256 public burned;

    /// A node's latest TEE attestation: the evidence kind (ASCII, e.g. "nitro", left-aligned), keccak256 of the
    /// evidence bytes the node serves at `evidenceUri`, and when it last (re-)attested. The evidence itself stays
    /// off chain; verifiers fetch it, check its digest against this record and verify it (docs/attestation.md).
    struct Attestation {
        bytes32 kind;
        bytes32 evidenceDigest;
        string evidenceUri;
        uint64 attestedAt;
    }

    mapping(address => Attestation) private attestations;
    /// Owner-curated allowlist: kind => measurement digest (MeasurementDigest in the attestation module) => allowed.
    mapping(bytes32 => mapping(bytes32 => bool)) public isAllowedMeasurement;
    mapping(bytes32 => bytes32[]) private measurementList;

    event NodeRegistered(address indexed node, string endpoint, bytes32[] models, bytes32 attestationDigest, uint256 price, uint256 stake);
    event NodeUpdated(address indexed node, string endpoint, bytes32[] models, bytes32 attestationDigest, uint256 price);
    event StakeAdded(address indexed node, uint256 amount, uint256 stake);
    event UnbondRequested(address indexed node, uint256 amount, uint256 unbonding, uint64 readyAt);
    event Withdrawn(address indexed node, uint256 amount);
    event Heartbeat(address indexed node, uint64 timestamp);
    event NodeExited(address indexed node, uint256 unbonding, uint64 readyAt);
    event SlasherSet(address indexed slasher, bool allowed);
    event Slashed(address indexed node, address indexed slasher, bytes32 indexed reason, uint256 amount, address beneficiary, uint256 reward);
    event MeasurementAllowed(bytes32 indexed kind, bytes32 indexed measurement);
    event MeasurementRemoved(bytes32 indexed kind, bytes32 indexed measurement);
    event NodeAttested(address indexed node, bytes32 indexed kind, bytes32 evidenceDigest, string evidenceUri, uint64 attestedAt);

    error AlreadyRegistered(address node);
    error NotRegistered(address node);
    error NodeNotActive(address node);
    error EmptyEndpoint();
    error StakeBelowMinimum(uint256 provided, uint256 minimum);
    error ZeroAmount();
    error InsufficientStake(uint256 requested, uint256 available);
    error NothingToWithdraw(address node);
    error UnbondingNotReady(uint64 readyAt, uint64 nowTime);
    error NotSlasher(address caller);
    error ZeroAddress();
    error RewardExceedsAmount(uint256 reward, uint256 amount);
    error TransferFailed(address to, uint256 amount);
    error ZeroKind();
    error ZeroDigest();
    error MeasurementAlreadyAllowed(bytes32 kind, bytes32 measurement);
    error MeasurementNotAllowed(bytes32 kind, bytes32 measurement);

    constructor(uint256 minStake_, uint64 unbondingDelay_, address owner_) Ownable(owner_) {
        if (minStake_ == 0) revert ZeroAmount();
        minStake = minStake_;
        unbondingDelay = unbondingDelay_;
    }

    modifier onlyRegistered() {
        if (!nodes[msg.sender].registered) revert NotRegistered(msg.sender);
        _;
    }

    /// Registers the caller as a node with `msg.value` added to its stake. A node that exited registers
    /// again the same way (its unbonding balance stays unbonding).
    function register(string calldata endpoint, bytes32[] calldata models, bytes32 attestationDigest, uint256 price)
        external
        payable
    {
        Node storage n = nodes[msg.sender];
        if (n.active) revert AlreadyRegistered(msg.sender);
        if (bytes(endpoint).length == 0) revert EmptyEndpoint();
        uint256 stake = n.stake + msg.value;
        if (stake < minStake) revert StakeBelowMinimum(stake, minStake);
        if (!n.registered) {
            n.registered = true;
            n.registeredAt = uint64(block.timestamp);
            nodeList.push(msg.sender);
        }
        n.endpoint = endpoint;
        n.models = models;
        n.attestationDigest = attestationDigest;
        n.price = price;
        n.stake = stake;
        n.lastSeen = uint64(block.timestamp);
        n.active = true;
        emit NodeRegistered(msg.sender, endpoint, models, attestationDigest, price, stake);
    }

    /// Changes the caller's advertised service (endpoint, models, attestation, price).
    function update(string calldata endpoint, bytes32[] calldata models, bytes32 attestationDigest, uint256 price)
        external
        onlyRegistered
    {
        if (bytes(endpoint).length == 0) revert EmptyEndpoint();
        Node storage n = nodes[msg.sender];
        n.endpoint = endpoint;
        n.models = models;
        n.attestationDigest = attestationDigest;
        n.price = price;
        emit NodeUpdated(msg.sender, endpoint, models, attestationDigest, price);
    }

    function topUp() external payable onlyRegistered {
        if (msg.value == 0) revert ZeroAmount();
        Node storage n = nodes[msg.sender];
        n.stake += msg.value;
        emit StakeAdded(msg.sender, msg.value, n.stake);
    }

    /// Moves `amount` of stake to unbonding; the whole unbonding balance becomes withdrawable
    /// `unbondingDelay` seconds after the latest request.
    function requestUnbond(uint256 amount) external onlyRegistered {
        if (amount == 0) revert ZeroAmount();
        Node storage n = nodes[msg.sender];
        if (amount > n.stake) revert InsufficientStake(amount, n.stake);
        n.stake -= amount;
        n.unbonding += amount;
        n.unbondingReadyAt = uint64(block.timestamp) + unbondingDelay;
        emit UnbondRequested(msg.sender, amount, n.unbonding, n.unbondingReadyAt);
    }

    /// Operator-initiated exit: the node stops being active and all its stake starts unbonding.
    function exit() external onlyRegistered {
        Node storage n = nodes[msg.sender];
        if (!n.active) revert NodeNotActive(msg.sender);
        n.active = false;
        n.unbonding += n.stake;
        n.stake = 0;
        n.unbondingReadyAt = uint64(block.timestamp) + unbondingDelay;
        emit NodeExited(msg.sender, n.unbonding, n.unbondingReadyAt);
    }

    function withdraw() external nonReentrant onlyRegistered {
        Node storage n = nodes[msg.sender];
        uint256 amount = n.unbonding;
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        if (block.timestamp < n.unbondingReadyAt) revert UnbondingNotReady(n.unbondingReadyAt, uint64(block.timestamp));
        n.unbonding = 0;
        emit Withdrawn(msg.sender, amount);
        _send(msg.sender, amount);
    }

    function heartbeat() external onlyRegistered {
        if (!nodes[msg.sender].active) revert NodeNotActive(msg.sender);
        nodes[msg.sender].lastSeen = uint64(block.timestamp);
        emit Heartbeat(msg.sender, uint64(block.timestamp));
    }

    function setSlasher(address slasher, bool allowed) external onlyOwner {
        if (slasher == address(0)) revert ZeroAddress();
        isSlasher[slasher] = allowed;
        emit SlasherSet(slasher, allowed);
    }

    /// The hook for every slashing rule (equivocation, disputes): takes up to `amount` from the node's stake,
    /// then from its unbonding balance, pays `reward` of it to `beneficiary` and burns the rest.
    /// @return taken the amount actually slashed (less than `amount` when the node holds less)
    function slash(address node, uint256 amount, address beneficiary, uint256 reward, bytes32 reason)
        external
        nonReentrant
        returns (uint256 taken)
    {
        if (!isSlasher[msg.sender]) revert NotSlasher(msg.sender);
        Node storage n = nodes[node];
        if (!n.registered) revert NotRegistered(node);
        if (amount == 0) revert ZeroAmount();
        if (reward > amount) revert RewardExceedsAmount(reward, amount);
        uint256 fromStake = amount <= n.stake ? amount : n.stake;
        uint256 fromUnbonding = amount - fromStake <= n.unbonding ? amount - fromStake : n.unbonding;
        taken = fromStake + fromUnbonding;
        if (taken == 0) revert InsufficientStake(amount, 0);
        n.stake -= fromStake;
        n.unbonding -= fromUnbonding;
        // the reward shrinks in proportion when the node holds less than asked for
        uint256 paid = reward * taken / amount;
        burned += taken - paid;
        emit Slashed(node, msg.sender, reason, taken, beneficiary, paid);
        if (paid > 0) _send(beneficiary, paid);
    }

    /// True when the node is registered, active and holds at least `minStake`.
    function isStaked(address node) public view returns (bool) {
        Node storage n = nodes[node];
        return n.active && n.stake >= minStake;
    }

    function getNode(address node)
        external
        view
        returns (
            string memory endpoint,
            bytes32[] memory models,
            bytes32 attestationDigest,
            uint256 price,
            uint256 stake,
            uint256 unbonding,
            uint64 unbondingReadyAt,
            uint64 registeredAt,
            uint64 lastSeen,
            bool active
        )
    {
        Node storage n = nodes[node];
        if (!n.registered) revert NotRegistered(node);
        return (n.endpoint, n.models, n.attestationDigest, n.price, n.stake, n.unbonding, n.unbondingReadyAt,
            n.registeredAt, n.lastSeen, n.active);
    }

    function stakeOf(address node) external view returns (uint256) {
        return nodes[node].stake;
    }

    function nodeCount() external view returns (uint256) {
        return nodeList.length;
    }

    /// Every node that ever registered (active or not), in registration order.
    function registeredNodes() external view returns (address[] memory) {
        return nodeList;
    }

    /// Nodes that are active and staked, in registration order.
    function activeNodes() external view returns (address[] memory result) {
        uint256 count;
        for (uint256 i; i < nodeList.length; ++i) {
            if (isStaked(nodeList[i])) ++count;
        }
        result = new address[](count);
        uint256 j;
        for (uint256 i; i < nodeList.length; ++i) {
            if (isStaked(nodeList[i])) result[j++] = nodeList[i];
        }
    }

    // ---- TEE attestation ------------------------------------------------------------------------------------

    /// Owner (governance) only: accepts `measurement` for evidence of `kind`.
    function allowMeasurement(bytes32 kind, bytes32 measurement) external onlyOwner {
        if (kind == bytes32(0)) revert ZeroKind();
        if (measurement == bytes32(0)) revert ZeroDigest();
        if (isAllowedMeasurement[kind][measurement]) revert MeasurementAlreadyAllowed(kind, measurement);
        isAllowedMeasurement[kind][measurement] = true;
        measurementList[kind].push(measurement);
        emit MeasurementAllowed(kind, measurement);
    }

    /// Owner (governance) only: withdraws `measurement` for `kind`; nodes running it stop passing the `tee` policy.
    function removeMeasurement(bytes32 kind, bytes32 measurement) external onlyOwner {
        if (!isAllowedMeasurement[kind][measurement]) revert MeasurementNotAllowed(kind, measurement);
        isAllowedMeasurement[kind][measurement] = false;
        bytes32[] storage list = measurementList[kind];
        for (uint256 i; i < list.length; ++i) {
            if (list[i] == measurement) {
                list[i] = list[list.length - 1];
                list.pop();
                break;
            }
        }
        emit MeasurementRemoved(kind, measurement);
    }

    function allowedMeasurements(bytes32 kind) external view returns (bytes32[] memory) {
        return measurementList[kind];
    }

    /// Records (or renews: calling again is re-attestation) the caller's evidence digest, kind and where the
    /// evidence is served, stamped with the block time. Also sets the node's `attestationDigest`.
    function attest(bytes32 kind, bytes32 evidenceDigest, string calldata evidenceUri) external onlyRegistered {
        if (kind == bytes32(0)) revert ZeroKind();
        if (evidenceDigest == bytes32(0)) revert ZeroDigest();
        uint64 stamp = uint64(block.timestamp);
        attestations[msg.sender] = Attestation(kind, evidenceDigest, evidenceUri, stamp);
        nodes[msg.sender].attestationDigest = evidenceDigest;
        emit NodeAttested(msg.sender, kind, evidenceDigest, evidenceUri, stamp);
    }

    /// The node's latest attestation; all zero (attestedAt 0) when it never attested.
    function attestationOf(address node)
        external
        view
        returns (bytes32 kind, bytes32 evidenceDigest, string memory evidenceUri, uint64 attestedAt)
    {
        Attestation storage a = attestations[node];
        return (a.kind, a.evidenceDigest, a.evidenceUri, a.attestedAt);
    }

    function _send(address to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }
}
