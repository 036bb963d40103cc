// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {NodeRegistry} from "./NodeRegistry.sol";
import {VerityReceipt} from "./VerityReceipt.sol";

/// @title Verity settlement: nodes commit Merkle roots of their receipt batches; anyone checks inclusion
/// and reports equivocation.
/// @notice Receipt ids are EIP-712 digests in the domain ("Verity", "1", chainId, this contract), and batch
/// leaves follow OpenZeppelin's StandardMerkleTree with leaf type ["bytes32"] (docs/protocol.md, "Batches").
contract Settlement is EIP712, ReentrancyGuard {
    /// Three storage slots: (node, timestamp), root, (count, blockNumber). The batch URI is only emitted
    /// in BatchCommitted (find it with the block number): storing it would cost 22,100 gas per 32 bytes.
    struct Batch {
        address node;
        uint64 timestamp;
        bytes32 root;
        uint64 count;
        uint64 blockNumber;
    }

    bytes32 public constant EQUIVOCATION = keccak256("verity:slash:equivocation");

    NodeRegistry public immutable registry;
    /// Share of the node's current stake (stake + unbonding) slashed per equivocation, in basis points.
    uint16 public immutable slashBps;
    /// Share of the slashed amount paid to whoever reported it, in basis points.
    uint16 public immutable reporterBps;

    Batch[] private batches;
    /// node => root => batch id + 1 (0: never committed by that node)
    mapping(address => mapping(bytes32 => uint256)) private batchIndex;
    /// keccak256(node, requestId, modelDigest) => already punished
    mapping(bytes32 => bool) public equivocationReported;

    event BatchCommitted(uint256 indexed batchId, address indexed node, bytes32 indexed root, uint64 count, string uri);
    event EquivocationSlashed(address indexed node, bytes32 indexed requestId, bytes32 indexed modelDigest,
        bytes32 receiptIdA, bytes32 receiptIdB, address reporter, uint256 slashed);

    error NodeNotStaked(address node);
    error ZeroRoot();
    error EmptyBatch();
    error BatchAlreadyCommitted(address node, bytes32 root, uint256 batchId);
    error UnknownBatch(uint256 batchId);
    error InvalidSignature(bytes32 receiptId, address recovered, address expected);
    error BatchNotPostedBySigner(uint256 batchId, address poster, address signer);
    error ReceiptNotInBatch(bytes32 receiptId, uint256 batchId);
    error NodeMismatch(address nodeA, address nodeB);
    error RequestMismatch(bytes32 requestIdA, bytes32 requestIdB);
    error ModelMismatch(bytes32 modelDigestA, bytes32 modelDigestB);
    error OutputsNotConflicting(bytes32 outputsDigest);
    error EquivocationAlreadyReported(address node, bytes32 requestId, bytes32 modelDigest);
    error NothingToSlash(address node);
    error InvalidBps(uint16 value);

    constructor(NodeRegistry registry_, uint16 slashBps_, uint16 reporterBps_) EIP712("Verity", "1") {
        if (slashBps_ == 0 || slashBps_ > 10_000) revert InvalidBps(slashBps_);
        if (reporterBps_ > 10_000) revert InvalidBps(reporterBps_);
        registry = registry_;
        slashBps = slashBps_;
        reporterBps = reporterBps_;
    }

    /// Commits a batch of the caller's receipts; the caller must be registered, active and staked.
    /// @return batchId index of the new batch
    function commitBatch(bytes32 root, uint64 count, string calldata uri) external returns (uint256 batchId) {
        if (!registry.isStaked(msg.sender)) revert NodeNotStaked(msg.sender);
        if (root == bytes32(0)) revert ZeroRoot();
        if (count == 0) revert EmptyBatch();
        uint256 existing = batchIndex[msg.sender][root];
        if (existing != 0) revert BatchAlreadyCommitted(msg.sender, root, existing - 1);
        batchId = batches.length;
        batches.push(Batch(msg.sender, uint64(block.timestamp), root, count, uint64(block.number)));
        batchIndex[msg.sender][root] = batchId + 1;
        emit BatchCommitted(batchId, msg.sender, root, count, uri);
    }

    function batchCount() external view returns (uint256) {
        return batches.length;
    }

    /// The batch's node, root, receipt count, commit time (seconds) and block; its URI is in the
    /// BatchCommitted event of that block.
    function getBatch(uint256 batchId)
        external
        view
        returns (address node, bytes32 root, uint64 count, uint64 timestamp, uint64 blockNumber)
    {
        Batch storage b = _batch(batchId);
        return (b.node, b.root, b.count, b.timestamp, b.blockNumber);
    }

    /// The id of the batch `node` committed with `root`; reverts UnknownBatch(type(uint256).max) when none.
    function batchIdOf(address node, bytes32 root) external view returns (uint256) {
        uint256 i = batchIndex[node][root];
        if (i == 0) revert UnknownBatch(type(uint256).max);
        return i - 1;
    }

    /// The EIP-712 digest of a receipt (its id).
    function receiptId(VerityReceipt.Receipt calldata r) public view returns (bytes32) {
        return _hashTypedDataV4(VerityReceipt.hashStruct(r));
    }

    /// The id of a format-2 receipt: the EIP-712 digest of its ReceiptV2 struct. Batches hold v1 and v2 ids alike.
    function receiptIdV2(VerityReceipt.ReceiptV2 calldata r) public view returns (bytes32) {
        return _hashTypedDataV4(VerityReceipt.hashStructV2(r));
    }

    /// The StandardMerkleTree leaf of a receipt id: keccak256(bytes.concat(keccak256(abi.encode(id)))).
    function leafOf(bytes32 id) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(id))));
    }

    /// True when `id` is a leaf of batch `batchId` under `proof`.
    function isIncluded(uint256 batchId, bytes32 id, bytes32[] calldata proof) public view returns (bool) {
        return MerkleProof.verifyCalldata(proof, _batch(batchId).root, leafOf(id));
    }

    /// Full on-chain check of a settled receipt: the signature recovers to `r.node`, the batch was committed
    /// by that node, and the receipt is in it. Reverts with the first failing check.
    /// @return id the receipt id
    /// @return timestamp when the batch was committed (seconds)
    /// @return blockNumber the block that committed it
    function verifyReceipt(VerityReceipt.Receipt calldata r, bytes calldata signature, uint256 batchId, bytes32[] calldata proof)
        external
        view
        returns (bytes32 id, uint64 timestamp, uint64 blockNumber)
    {
        id = receiptId(r);
        _requireSigner(id, signature, r.node);
        (timestamp, blockNumber) = _settled(id, r.node, batchId, proof);
    }

    /// verifyReceipt for a format-2 receipt (its signer is r.receipt.node).
    function verifyReceiptV2(VerityReceipt.ReceiptV2 calldata r, bytes calldata signature, uint256 batchId, bytes32[] calldata proof)
        external
        view
        returns (bytes32 id, uint64 timestamp, uint64 blockNumber)
    {
        id = receiptIdV2(r);
        _requireSigner(id, signature, r.receipt.node);
        (timestamp, blockNumber) = _settled(id, r.receipt.node, batchId, proof);
    }

    /// The batch was committed by `node` and holds `id` under `proof`; its commit time and block.
    function _settled(bytes32 id, address node, uint256 batchId, bytes32[] calldata proof)
        private
        view
        returns (uint64 timestamp, uint64 blockNumber)
    {
        Batch storage b = _batch(batchId);
        if (b.node != node) revert BatchNotPostedBySigner(batchId, b.node, node);
        if (!MerkleProof.verifyCalldata(proof, b.root, leafOf(id))) revert ReceiptNotInBatch(id, batchId);
        return (b.timestamp, b.blockNumber);
    }

    /// Anyone may submit two receipts the same node signed for the same request and model with different
    /// outputs. The node's operator loses `slashBps` of its stake; the caller (a node key's operator, for a node
    /// key) receives `reporterBps` of that.
    function reportEquivocation(
        VerityReceipt.Receipt calldata a,
        bytes calldata sigA,
        VerityReceipt.Receipt calldata b,
        bytes calldata sigB
    ) external nonReentrant returns (uint256 slashed) {
        _checkConflict(a, b);
        bytes32 idA = receiptId(a);
        _requireSigner(idA, sigA, a.node);
        bytes32 idB = receiptId(b);
        _requireSigner(idB, sigB, b.node);
        return _slashEquivocation(a, idA, idB);
    }

    /// reportEquivocation for two format-2 receipts.
    function reportEquivocationV2(
        VerityReceipt.ReceiptV2 calldata a,
        bytes calldata sigA,
        VerityReceipt.ReceiptV2 calldata b,
        bytes calldata sigB
    ) external nonReentrant returns (uint256 slashed) {
        _checkConflict(a.receipt, b.receipt);
        bytes32 idA = receiptIdV2(a);
        _requireSigner(idA, sigA, a.receipt.node);
        bytes32 idB = receiptIdV2(b);
        _requireSigner(idB, sigB, b.receipt.node);
        return _slashEquivocation(a.receipt, idA, idB);
    }

    /// Same node, request and model, different outputs, not reported before.
    function _checkConflict(VerityReceipt.Receipt calldata a, VerityReceipt.Receipt calldata b) private view {
        if (a.node != b.node) revert NodeMismatch(a.node, b.node);
        if (a.requestId != b.requestId) revert RequestMismatch(a.requestId, b.requestId);
        if (a.modelDigest != b.modelDigest) revert ModelMismatch(a.modelDigest, b.modelDigest);
        if (a.outputsDigest == b.outputsDigest) revert OutputsNotConflicting(a.outputsDigest);
        if (equivocationReported[_equivocationKey(a)]) revert EquivocationAlreadyReported(a.node, a.requestId, a.modelDigest);
    }

    function _equivocationKey(VerityReceipt.Receipt calldata a) private pure returns (bytes32) {
        return keccak256(abi.encode(a.node, a.requestId, a.modelDigest));
    }

    function _slashEquivocation(VerityReceipt.Receipt calldata a, bytes32 idA, bytes32 idB) private returns (uint256 slashed) {
        (,,,, uint256 stake, uint256 unbonding,,,,) = registry.getNode(a.node);
        uint256 amount = (stake + unbonding) * slashBps / 10_000;
        if (amount == 0) revert NothingToSlash(a.node);
        equivocationReported[_equivocationKey(a)] = true;
        // a reporting node key's reward goes to its operator, like its vouchers
        slashed = registry.slash(a.node, amount, registry.payeeOf(msg.sender), amount * reporterBps / 10_000, EQUIVOCATION);
        emit EquivocationSlashed(a.node, a.requestId, a.modelDigest, idA, idB, msg.sender, slashed);
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    function _requireSigner(bytes32 id, bytes calldata signature, address node) private pure {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(id, signature);
        if (err != ECDSA.RecoverError.NoError || recovered != node) revert InvalidSignature(id, recovered, node);
    }

    function _batch(uint256 batchId) private view returns (Batch storage) {
        if (batchId >= batches.length) revert UnknownBatch(batchId);
        return batches[batchId];
    }
}
