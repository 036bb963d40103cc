// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title Verity node registry: who serves which models, at what price, backed by how much stake.
/// @notice A node stakes native currency (at least `minStake`) when it registers. Stake leaves only through
/// unbonding: `requestUnbond` (or `exit`) moves stake aside and `withdraw` pays it out after `unbondingDelay`.
/// Unbonding stake can still be slashed until it is withdrawn. Slashing is done by contracts the owner
/// authorises as slashers (Settlement for equivocation today; a dispute game later).
///
/// Keys: a node's (hot) key signs receipts and sends the node's own transactions (commits, heartbeats,
/// updates, attestations); its operator's (cold) key owns the stake behind it: stakes, tops up, unbonds,
/// withdraws, and is paid the node's vouchers (Payments asks `payeeOf`). A node that registers itself with
/// `register` is its own operator (one key for both, as before). An operator registers another key with
/// `registerNode`, passing the node key's EIP-712 consent (NodeKeyConsent(operator, node) in this contract's
/// domain, so it names this registry and chain and cannot be replayed elsewhere). An operator backs one node key
/// at a time; it can rotate it (`rotateNodeKey`: the service record and the stake move to the new key) or revoke
/// it (`revokeNodeKey`). A key belongs to one operator for good and, once replaced or revoked, never serves
/// again; slashing for anything it signed still reaches its operator's stake.
contract NodeRegistry is Ownable, ReentrancyGuard, EIP712 {
    /// One node key's service record; its stake lives with its operator.
    struct Node {
        string endpoint;
        bytes32[] models;
        bytes32 attestationDigest;
        uint256 price;
        // one slot: isStaked (on every commit) reads active and operator together
        address operator;
        uint64 lastSeen;
        bool registered;
        bool active;
        bool revoked;
        uint64 registeredAt;
    }

    /// An operator's stake and the one node key it backs now (zero when it revoked the key).
    struct Operator {
        uint256 stake;
        uint256 unbonding;
        uint64 unbondingReadyAt;
        address node;
        bool known;
    }

    bytes32 public constant NODE_KEY_CONSENT_TYPEHASH = keccak256("NodeKeyConsent(address operator,address node)");

    uint256 public immutable minStake;
    uint64 public immutable unbondingDelay;

    mapping(address => Node) private nodes;
    mapping(address => Operator) private operators;
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
    event NodeKeyAuthorized(address indexed operator, address indexed node);
    event NodeKeyRotated(address indexed operator, address indexed oldNode, address indexed newNode);
    event NodeKeyRevoked(address indexed operator, address indexed node);
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
    error NotOperator(address caller, address operator);
    error KeyRevoked(address node);
    error OperatorHasNode(address operator, address node);
    error NoNodeKey(address operator);
    error InvalidConsent(address recovered, address node);

    constructor(uint256 minStake_, uint64 unbondingDelay_, address owner_) Ownable(owner_) EIP712("Verity", "1") {
        if (minStake_ == 0) revert ZeroAmount();
        minStake = minStake_;
        unbondingDelay = unbondingDelay_;
    }

    modifier onlyRegistered() {
        if (!nodes[msg.sender].registered) revert NotRegistered(msg.sender);
        _;
    }

    /// Node-key calls on the service record; a replaced or revoked key may no longer change it.
    modifier onlyServingKey() {
        if (!nodes[msg.sender].registered) revert NotRegistered(msg.sender);
        if (nodes[msg.sender].revoked) revert KeyRevoked(msg.sender);
        _;
    }

    /// Registers the caller as a node that is its own operator, with `msg.value` added to its stake. A node
    /// that exited registers again the same way (its unbonding balance stays unbonding).
    function register(string calldata endpoint, bytes32[] calldata models, bytes32 attestationDigest, uint256 price)
        external
        payable
    {
        _register(msg.sender, msg.sender, endpoint, models, attestationDigest, price);
    }

    /// The caller, as operator, registers `node` (another key) and adds `msg.value` to its own stake behind it.
    /// `consent` is the node key's signature over `consentDigest(msg.sender, node)`; it is not needed again to
    /// re-register a key the caller already operates (after an exit).
    function registerNode(
        address node,
        bytes calldata consent,
        string calldata endpoint,
        bytes32[] calldata models,
        bytes32 attestationDigest,
        uint256 price
    ) external payable {
        if (node == address(0)) revert ZeroAddress();
        if (node != msg.sender && nodes[node].operator != msg.sender) _checkConsent(msg.sender, node, consent);
        _register(msg.sender, node, endpoint, models, attestationDigest, price);
    }

    function _register(
        address operator,
        address node,
        string calldata endpoint,
        bytes32[] calldata models,
        bytes32 attestationDigest,
        uint256 price
    ) private {
        Node storage n = nodes[node];
        if (n.revoked) revert KeyRevoked(node);
        if (n.registered && n.operator != operator) revert NotOperator(operator, n.operator);
        if (n.active) revert AlreadyRegistered(node);
        if (bytes(endpoint).length == 0) revert EmptyEndpoint();
        Operator storage o = operators[operator];
        if (o.node != address(0) && o.node != node) revert OperatorHasNode(operator, o.node);
        uint256 stake = o.stake + msg.value;
        if (stake < minStake) revert StakeBelowMinimum(stake, minStake);
        if (!n.registered) {
            n.registered = true;
            n.operator = operator;
            n.registeredAt = uint64(block.timestamp);
            nodeList.push(node);
            // a node that is its own operator authorises nobody: its events stay as before the split
            if (operator != node) emit NodeKeyAuthorized(operator, node);
        }
        o.known = true;
        o.node = node;
        o.stake = stake;
        n.endpoint = endpoint;
        n.models = models;
        n.attestationDigest = attestationDigest;
        n.price = price;
        n.lastSeen = uint64(block.timestamp);
        n.active = true;
        emit NodeRegistered(node, endpoint, models, attestationDigest, price, stake);
    }

    /// Changes the caller's advertised service (endpoint, models, attestation, price).
    function update(string calldata endpoint, bytes32[] calldata models, bytes32 attestationDigest, uint256 price)
        external
        onlyServingKey
    {
        if (bytes(endpoint).length == 0) revert EmptyEndpoint();
        Node storage n = nodes[msg.sender];
        n.endpoint = endpoint;
        n.models = models;
        n.attestationDigest = attestationDigest;
        n.price = price;
        emit NodeUpdated(msg.sender, endpoint, models, attestationDigest, price);
    }

    /// Operator only: adds `msg.value` to the stake behind its node. Event StakeAdded names the node key.
    function topUp() external payable {
        Operator storage o = _operator(msg.sender);
        if (msg.value == 0) revert ZeroAmount();
        o.stake += msg.value;
        emit StakeAdded(_nodeOf(msg.sender, o), msg.value, o.stake);
    }

    /// Operator only: moves `amount` of stake to unbonding; the whole unbonding balance becomes withdrawable
    /// `unbondingDelay` seconds after the latest request.
    function requestUnbond(uint256 amount) external {
        Operator storage o = _operator(msg.sender);
        if (amount == 0) revert ZeroAmount();
        if (amount > o.stake) revert InsufficientStake(amount, o.stake);
        o.stake -= amount;
        o.unbonding += amount;
        o.unbondingReadyAt = uint64(block.timestamp) + unbondingDelay;
        emit UnbondRequested(_nodeOf(msg.sender, o), amount, o.unbonding, o.unbondingReadyAt);
    }

    /// Operator only: the node stops being active and all the stake starts unbonding.
    function exit() external {
        Operator storage o = _operator(msg.sender);
        address node = o.node;
        if (node == address(0) || !nodes[node].active) revert NodeNotActive(node == address(0) ? msg.sender : node);
        nodes[node].active = false;
        o.unbonding += o.stake;
        o.stake = 0;
        o.unbondingReadyAt = uint64(block.timestamp) + unbondingDelay;
        emit NodeExited(node, o.unbonding, o.unbondingReadyAt);
    }

    /// Operator only: pays the unbonded stake to the operator after the delay. Event Withdrawn names the operator.
    function withdraw() external nonReentrant {
        Operator storage o = _operator(msg.sender);
        uint256 amount = o.unbonding;
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        if (block.timestamp < o.unbondingReadyAt) revert UnbondingNotReady(o.unbondingReadyAt, uint64(block.timestamp));
        o.unbonding = 0;
        emit Withdrawn(msg.sender, amount);
        _send(msg.sender, amount);
    }

    // ---- node keys ------------------------------------------------------------------------------------------

    /// The EIP-712 digest a node key signs to consent to being operated by `operator` in this registry.
    function consentDigest(address operator, address node) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(NODE_KEY_CONSENT_TYPEHASH, operator, node)));
    }

    /// Operator only: replaces its node key with `newNode` (a key never registered, with its consent). The new
    /// key takes over the endpoint, models, price and active state, without the old key's attestation (the new
    /// key attests afresh); the old key is revoked: its batches are refused from now on, while the stake still
    /// answers for what it signed before.
    function rotateNodeKey(address newNode, bytes calldata consent) external {
        Operator storage o = _operator(msg.sender);
        address old = o.node;
        if (old == address(0)) revert NoNodeKey(msg.sender);
        if (newNode == address(0)) revert ZeroAddress();
        if (nodes[newNode].registered) revert AlreadyRegistered(newNode);
        _checkConsent(msg.sender, newNode, consent);
        Node storage from = nodes[old];
        Node storage to = nodes[newNode];
        to.endpoint = from.endpoint;
        to.models = from.models;
        to.price = from.price;
        to.operator = msg.sender;
        to.registered = true;
        to.registeredAt = uint64(block.timestamp);
        to.lastSeen = uint64(block.timestamp);
        to.active = from.active;
        from.active = false;
        from.revoked = true;
        o.node = newNode;
        nodeList.push(newNode);
        emit NodeKeyAuthorized(msg.sender, newNode);
        emit NodeKeyRotated(msg.sender, old, newNode);
        emit NodeRegistered(newNode, to.endpoint, to.models, bytes32(0), to.price, o.stake);
    }

    /// Operator only: revokes its node key (e.g. when it leaked). The key's batches are refused from now on; the
    /// stake stays staked, the operator's, until it unbonds it or registers a new key with `registerNode`.
    function revokeNodeKey() external {
        Operator storage o = _operator(msg.sender);
        address node = o.node;
        if (node == address(0)) revert NoNodeKey(msg.sender);
        nodes[node].active = false;
        nodes[node].revoked = true;
        o.node = address(0);
        emit NodeKeyRevoked(msg.sender, node);
    }

    /// The operator that authorised `node` (the node itself when it registered with `register`); zero when unknown.
    function operatorOf(address node) external view returns (address) {
        return nodes[node].operator;
    }

    /// Who is paid for `node`'s work (its vouchers): its operator, or `node` itself when it is unknown here.
    function payeeOf(address node) external view returns (address) {
        address operator = nodes[node].operator;
        return operator == address(0) ? node : operator;
    }

    /// The node key `operator` backs now; zero when none.
    function nodeOf(address operator) external view returns (address) {
        return operators[operator].node;
    }

    /// What `operator` has staked, what is unbonding and when that is withdrawable (all zero for an unknown address).
    function operatorStake(address operator) external view returns (uint256 stake, uint256 unbonding, uint64 unbondingReadyAt) {
        Operator storage o = operators[operator];
        return (o.stake, o.unbonding, o.unbondingReadyAt);
    }

    /// True when `node` was replaced or revoked by its operator; such a key never serves again.
    function isRevoked(address node) external view returns (bool) {
        return nodes[node].revoked;
    }

    function _checkConsent(address operator, address node, bytes calldata consent) private view {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(consentDigest(operator, node), consent);
        if (err != ECDSA.RecoverError.NoError || recovered != node) revert InvalidConsent(recovered, node);
    }

    /// The caller's operator record; a bare node key gets NotOperator, an unknown address NotRegistered.
    function _operator(address caller) private view returns (Operator storage o) {
        o = operators[caller];
        if (!o.known) {
            Node storage n = nodes[caller];
            if (n.registered) revert NotOperator(caller, n.operator);
            revert NotRegistered(caller);
        }
    }

    /// The node key events name for an operator's stake: its current key, else the operator itself.
    function _nodeOf(address operator, Operator storage o) private view returns (address) {
        return o.node == address(0) ? operator : o.node;
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
        // the stake behind a key is its operator's, also for a key since replaced or revoked
        Operator storage o = operators[n.operator];
        uint256 fromStake = amount <= o.stake ? amount : o.stake;
        uint256 fromUnbonding = amount - fromStake <= o.unbonding ? amount - fromStake : o.unbonding;
        taken = fromStake + fromUnbonding;
        if (taken == 0) revert InsufficientStake(amount, 0);
        o.stake -= fromStake;
        o.unbonding -= fromUnbonding;
        // the reward shrinks in proportion when the node holds less than asked for
        uint256 paid = reward * taken / amount;
        burned += taken - paid;
        emit Slashed(node, msg.sender, reason, taken, beneficiary, paid);
        if (paid > 0) _send(beneficiary, paid);
    }

    /// True when the node key is registered, active (so neither replaced nor revoked) and its operator holds at
    /// least `minStake` behind it.
    function isStaked(address node) public view returns (bool) {
        Node storage n = nodes[node];
        return n.active && operators[n.operator].stake >= minStake;
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
        Operator storage o = operators[n.operator];
        return (n.endpoint, n.models, n.attestationDigest, n.price, o.stake, o.unbonding, o.unbondingReadyAt,
            n.registeredAt, n.lastSeen, n.active);
    }

    /// The stake (not unbonding) behind the node key: its operator's.
    function stakeOf(address node) external view returns (uint256) {
        return operators[nodes[node].operator].stake;
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
    function attest(bytes32 kind, bytes32 evidenceDigest, string calldata evidenceUri) external onlyServingKey {
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
