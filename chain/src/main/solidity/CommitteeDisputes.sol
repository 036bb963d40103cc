// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {NodeRegistry} from "./NodeRegistry.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {Settlement} from "./Settlement.sol";
import {VerityReceipt} from "./VerityReceipt.sol";
import {Committees, CommitteePayouts} from "./Committees.sol";

/// @title Verity committee disputes: a bonded challenge against any settled receipt whose model has a comparison
/// rule (ModelRegistry.ruleOf: BitExact or Tolerance), judged by a committee of staked nodes serving the model.
/// @notice Steps, each with a deadline in blocks:
///  1. `open`: the challenger posts a bond, the receipt (proved settled by its batch's Merkle inclusion in
///     Settlement), its own answer's outputs digest (the transaction is its signature) and `inputsUri`, where it
///     serves the request's inputs and the accused answer's outputs as tensors. Members check what they fetch
///     against the receipt's inputsDigest and outputsDigest, so the URI need not be trusted. The model's rule is
///     copied into the dispute, so its owner cannot change the rule under a running dispute.
///  2. `draw` (anyone), after block `drawBlock` = open's block + drawDelay: the committee, `committeeSize` active
///     staked nodes advertising the model (neither party), is drawn from blockhash(drawBlock). Nobody knows that
///     hash when the dispute is opened, so neither party can aim for a committee by timing `open`. What a block
///     producer can bias: the producer of drawBlock sets its contents and so can grind its hash (reorder
///     transactions, vary extra data) and pick among as many committees as it can hash in its slot, or withhold the
///     block; a producer colluding with a party can therefore steer the draw. Nobody else can (the caller of `draw`
///     only picks the moment, not the seed). Where that matters, a beacon (RANDAO of a later slot, a VRF) should
///     replace the block hash. After 256 blocks the hash is gone; `draw` then commits to a new future block.
///  3. `commitVote` until commitDeadline: keccak256(abi.encode(disputeId, member, agrees, salt)), where agrees
///     says the accused answer agrees with the member's own re-run under the rule.
///  4. `revealVote` until revealDeadline (opens when every member committed, or after commitDeadline).
///  5. `resolve` (anyone) once every member revealed or after revealDeadline. The strict majority of revealed
///     votes decides: "disagree" slashes the node `slashBps` of its stake (+ unbonding), returns the bond and pays
///     the challenger the slashed amount less the majority's `committeeBps`; "agree" gives the bond to the node
///     (its operator) less the majority's share. A tie or no revealed vote voids it: the bond goes back. Every
///     member who did not reveal, or revealed against the majority, is slashed `memberPenalty` (burnt).
/// Payouts are pulled with `withdraw`. Parameters are the owner's; each dispute keeps those it was opened with.
contract CommitteeDisputes is Ownable, CommitteePayouts {
    enum State { None, Drawing, Voting, NodeWon, ChallengerWon, Void }

    struct Params {
        uint256 minBond;        // wei a challenger posts at least
        uint256 memberPenalty;  // wei slashed from a member who does not reveal or votes with the minority
        uint64 drawDelay;       // blocks from open to the block whose hash seeds the committee
        uint64 commitBlocks;    // blocks the committee has to commit, from the draw
        uint64 revealBlocks;    // blocks to reveal, after the commit deadline
        uint16 slashBps;        // share of a convicted node's stake + unbonding slashed
        uint16 committeeBps;    // share of the pot (slashed stake or lost bond) paid to the majority
        uint8 committeeSize;
    }

    struct Dispute {
        bytes32 receiptId;
        bytes32 modelDigest;
        bytes32 inputsDigest;
        bytes32 outputsDigest;    // the accused answer
        bytes32 challengerOutputs; // the challenger's own answer
        address node;
        address challenger;
        uint256 bond;
        uint8 ruleKind;
        uint64 absTol;
        uint64 relTol;
        uint64 drawBlock;
        uint64 commitDeadline;
        uint64 revealDeadline;
        State state;
        uint8 committed;
        uint8 revealed;
        Params params;
        string inputsUri;
    }

    bytes32 public constant WRONG_ANSWER = keccak256("verity:slash:committee-dispute");
    bytes32 public constant MEMBER_PENALTY = keccak256("verity:slash:committee-member");

    NodeRegistry public immutable registry;
    ModelRegistry public immutable models;
    Settlement public immutable settlement;
    Params public params;

    Dispute[] private disputes;
    mapping(uint256 => address[]) private committees;
    /// disputeId => member => commitment
    mapping(uint256 => mapping(address => bytes32)) public commitments;
    /// disputeId => member => 0 not revealed, 1 agrees (node right), 2 disagrees (node wrong)
    mapping(uint256 => mapping(address => uint8)) public votes;
    /// receipt id => open dispute id + 1
    mapping(bytes32 => uint256) public openDispute;
    mapping(bytes32 => bool) public convicted;

    event ParamsSet(uint256 minBond, uint256 memberPenalty, uint64 drawDelay, uint64 commitBlocks, uint64 revealBlocks,
        uint16 slashBps, uint16 committeeBps, uint8 committeeSize);
    event DisputeOpened(uint256 indexed disputeId, bytes32 indexed receiptId, address indexed node, address challenger,
        uint256 bond, bytes32 challengerOutputs, string inputsUri, uint64 drawBlock);
    event CommitteeDrawn(uint256 indexed disputeId, address[] committee, uint64 commitDeadline, uint64 revealDeadline);
    event DrawRecommitted(uint256 indexed disputeId, uint64 drawBlock);
    event VoteCommitted(uint256 indexed disputeId, address indexed member);
    event VoteRevealed(uint256 indexed disputeId, address indexed member, bool agrees);
    event MemberPenalized(uint256 indexed disputeId, address indexed member, bool revealed, uint256 slashed);
    event Resolved(uint256 indexed disputeId, State outcome, uint256 agree, uint256 disagree, uint256 slashed);

    error BondTooSmall(uint256 given, uint256 minimum);
    error NotComparable(bytes32 modelDigest);
    error AlreadyDisputed(bytes32 receiptId, uint256 disputeId);
    error AlreadyConvicted(bytes32 receiptId);
    error SameAnswer(bytes32 outputsDigest);
    error NoInputsUri();
    error UnknownDispute(uint256 disputeId);
    error WrongState(uint256 disputeId, State state);
    error TooEarly(uint64 atBlock, uint64 nowBlock);
    error TooLate(uint64 deadline, uint64 nowBlock);
    error NotInCommittee(address caller);
    error AlreadyCommitted(address member);
    error NoCommitment(address member);
    error AlreadyRevealed(address member);
    error CommitmentMismatch(address member);
    error InvalidParams();

    constructor(NodeRegistry registry_, ModelRegistry models_, Settlement settlement_, Params memory params_, address owner_)
        Ownable(owner_)
    {
        registry = registry_;
        models = models_;
        settlement = settlement_;
        _setParams(params_);
    }

    /// Slashed stake arrives here from NodeRegistry before it is split.
    receive() external payable {}

    /// Owner only; disputes already open keep the parameters they were opened with.
    function setParams(Params calldata p) external onlyOwner {
        _setParams(p);
    }

    function _setParams(Params memory p) private {
        if (p.slashBps == 0 || p.slashBps > 10_000 || p.committeeBps > 10_000 || p.committeeSize == 0
            || p.drawDelay == 0 || p.commitBlocks == 0 || p.revealBlocks == 0) revert InvalidParams();
        params = p;
        emit ParamsSet(p.minBond, p.memberPenalty, p.drawDelay, p.commitBlocks, p.revealBlocks, p.slashBps, p.committeeBps,
            p.committeeSize);
    }

    /// Challenges a settled receipt (Settlement.verifyReceipt must pass) with the challenger's own outputs digest
    /// and where the inputs and the accused outputs are served; `msg.value` is the bond.
    function open(VerityReceipt.Receipt calldata r, bytes calldata sig, uint256 batchId, bytes32[] calldata proof,
        bytes32 challengerOutputs, string calldata inputsUri) external payable returns (uint256)
    {
        (bytes32 id,,) = settlement.verifyReceipt(r, sig, batchId, proof);
        return _open(r, id, challengerOutputs, inputsUri);
    }

    /// open for a format-2 receipt (Settlement.verifyReceiptV2 must pass).
    function openV2(VerityReceipt.ReceiptV2 calldata r, bytes calldata sig, uint256 batchId, bytes32[] calldata proof,
        bytes32 challengerOutputs, string calldata inputsUri) external payable returns (uint256)
    {
        (bytes32 id,,) = settlement.verifyReceiptV2(r, sig, batchId, proof);
        return _open(r.receipt, id, challengerOutputs, inputsUri);
    }

    function _open(VerityReceipt.Receipt calldata r, bytes32 id, bytes32 challengerOutputs, string calldata inputsUri)
        private returns (uint256 disputeId)
    {
        Params memory p = params;
        if (msg.value < p.minBond) revert BondTooSmall(msg.value, p.minBond);
        if (bytes(inputsUri).length == 0) revert NoInputsUri();
        // under BitExact a different digest is the whole accusation; under a tolerance it only opens the question
        if (challengerOutputs == r.outputsDigest) revert SameAnswer(challengerOutputs);
        if (convicted[id]) revert AlreadyConvicted(id);
        if (openDispute[id] != 0) revert AlreadyDisputed(id, openDispute[id] - 1);
        (uint8 kind, uint64 absTol, uint64 relTol) = models.ruleOf(r.modelDigest);
        if (kind == 0) revert NotComparable(r.modelDigest);
        disputeId = disputes.length;
        Dispute storage d = disputes.push();
        d.receiptId = id;
        d.modelDigest = r.modelDigest;
        d.inputsDigest = r.inputsDigest;
        d.outputsDigest = r.outputsDigest;
        d.challengerOutputs = challengerOutputs;
        d.node = r.node;
        d.challenger = msg.sender;
        d.bond = msg.value;
        d.ruleKind = kind;
        d.absTol = absTol;
        d.relTol = relTol;
        d.drawBlock = uint64(block.number) + p.drawDelay;
        d.state = State.Drawing;
        d.params = p;
        d.inputsUri = inputsUri;
        openDispute[id] = disputeId + 1;
        emit DisputeOpened(disputeId, id, r.node, msg.sender, msg.value, challengerOutputs, inputsUri, d.drawBlock);
    }

    /// Draws the committee once block drawBlock is mined (see the contract notice); false when it is too early,
    /// or when the seed block is out of reach and a new one was committed to.
    function draw(uint256 disputeId) external returns (bool) {
        Dispute storage d = _dispute(disputeId);
        if (d.state != State.Drawing) revert WrongState(disputeId, d.state);
        if (block.number <= d.drawBlock) return false;
        if (block.number - d.drawBlock > 256) {
            d.drawBlock = uint64(block.number) + d.params.drawDelay;
            emit DrawRecommitted(disputeId, d.drawBlock);
            return false;
        }
        address[] memory chosen = _choose(disputeId, d);
        committees[disputeId] = chosen;
        d.commitDeadline = uint64(block.number) + d.params.commitBlocks;
        d.revealDeadline = d.commitDeadline + d.params.revealBlocks;
        d.state = State.Voting;
        emit CommitteeDrawn(disputeId, chosen, d.commitDeadline, d.revealDeadline);
        if (chosen.length == 0) _finish(disputeId, d, State.Void, 0, 0, 0);
        return true;
    }

    /// A member's sealed vote: keccak256(abi.encode(disputeId, member, agrees, salt)) (see `commitmentOf`).
    function commitVote(uint256 disputeId, bytes32 commitment) external {
        Dispute storage d = _voting(disputeId);
        if (block.number > d.commitDeadline) revert TooLate(d.commitDeadline, uint64(block.number));
        if (!Committees.isMember(committees[disputeId], msg.sender)) revert NotInCommittee(msg.sender);
        if (commitments[disputeId][msg.sender] != 0) revert AlreadyCommitted(msg.sender);
        commitments[disputeId][msg.sender] = commitment;
        d.committed++;
        emit VoteCommitted(disputeId, msg.sender);
    }

    /// Opens the member's commitment; allowed once every member committed or the commit deadline passed.
    function revealVote(uint256 disputeId, bool agrees, bytes32 salt) external {
        Dispute storage d = _voting(disputeId);
        if (!revealOpen(disputeId)) revert TooEarly(d.commitDeadline, uint64(block.number));
        if (block.number > d.revealDeadline) revert TooLate(d.revealDeadline, uint64(block.number));
        bytes32 c = commitments[disputeId][msg.sender];
        if (c == 0) revert NoCommitment(msg.sender);
        if (votes[disputeId][msg.sender] != 0) revert AlreadyRevealed(msg.sender);
        if (c != commitmentOf(disputeId, msg.sender, agrees, salt)) revert CommitmentMismatch(msg.sender);
        votes[disputeId][msg.sender] = agrees ? 1 : 2;
        d.revealed++;
        emit VoteRevealed(disputeId, msg.sender, agrees);
    }

    /// Decides a dispute once every member revealed or after the reveal deadline (see the contract notice).
    function resolve(uint256 disputeId) external nonReentrant {
        Dispute storage d = _voting(disputeId);
        address[] storage c = committees[disputeId];
        if (d.revealed < c.length && block.number <= d.revealDeadline) revert TooEarly(d.revealDeadline, uint64(block.number));
        uint256 agree;
        uint256 disagree;
        for (uint256 i; i < c.length; ++i) {
            uint8 v = votes[disputeId][c[i]];
            if (v == 1) ++agree;
            else if (v == 2) ++disagree;
        }
        uint8 majority = agree > disagree ? 1 : disagree > agree ? 2 : 0;
        address[] memory winners = new address[](majority == 1 ? agree : majority == 2 ? disagree : 0);
        uint256 w;
        for (uint256 i; i < c.length; ++i) {
            uint8 v = votes[disputeId][c[i]];
            if (v != 0 && v == majority) winners[w++] = c[i];
            else if (v == 0 || majority != 0) _penalize(disputeId, d, c[i], v != 0);
        }
        if (majority == 0) {
            _finish(disputeId, d, State.Void, agree, disagree, 0);
        } else if (majority == 1) {
            uint256 share = _share(winners, d.bond, d.params.committeeBps);
            claimable[d.node] += d.bond - share;
            _finish(disputeId, d, State.NodeWon, agree, disagree, 0);
        } else {
            uint256 slashed = _slashNode(d);
            uint256 share = _share(winners, slashed, d.params.committeeBps);
            claimable[d.challenger] += d.bond + slashed - share;
            convicted[d.receiptId] = true;
            _finish(disputeId, d, State.ChallengerWon, agree, disagree, slashed);
        }
    }

    // ---- views ----

    function commitmentOf(uint256 disputeId, address member, bool agrees, bytes32 salt) public pure returns (bytes32) {
        return keccak256(abi.encode(disputeId, member, agrees, salt));
    }

    function revealOpen(uint256 disputeId) public view returns (bool) {
        Dispute storage d = _dispute(disputeId);
        return d.state == State.Voting && (d.committed == committees[disputeId].length || block.number > d.commitDeadline);
    }

    function disputeCount() external view returns (uint256) {
        return disputes.length;
    }

    /// The receipt disputed and what members need to judge it.
    function subject(uint256 disputeId) external view returns (bytes32 receiptId, bytes32 modelDigest, bytes32 inputsDigest,
        bytes32 outputsDigest, bytes32 challengerOutputs, address node, address challenger, uint256 bond, string memory inputsUri)
    {
        Dispute storage d = _dispute(disputeId);
        return (d.receiptId, d.modelDigest, d.inputsDigest, d.outputsDigest, d.challengerOutputs, d.node, d.challenger,
            d.bond, d.inputsUri);
    }

    /// Where it stands: state, the rule it is judged by, the deadlines (blocks) and the votes so far.
    function status(uint256 disputeId) external view returns (State state, uint8 ruleKind, uint64 absTol, uint64 relTol,
        uint64 drawBlock, uint64 commitDeadline, uint64 revealDeadline, uint8 committed, uint8 revealed)
    {
        Dispute storage d = _dispute(disputeId);
        return (d.state, d.ruleKind, d.absTol, d.relTol, d.drawBlock, d.commitDeadline, d.revealDeadline, d.committed,
            d.revealed);
    }

    function committee(uint256 disputeId) external view returns (address[] memory) {
        return committees[disputeId];
    }

    // ---- internals ----

    function _choose(uint256 disputeId, Dispute storage d) private view returns (address[] memory) {
        bytes32 seed = keccak256(abi.encode(blockhash(d.drawBlock), disputeId, d.receiptId));
        return Committees.choose(registry, d.node, d.challenger, d.modelDigest, d.params.committeeSize, seed);
    }

    function _slashNode(Dispute storage d) private returns (uint256 slashed) {
        (,,,, uint256 stake, uint256 unbonding,,,,) = registry.getNode(d.node);
        uint256 amount = (stake + unbonding) * d.params.slashBps / 10_000;
        if (amount == 0) return 0;
        // all of it comes here; resolve splits it between the challenger and the majority
        try registry.slash(d.node, amount, address(this), amount, WRONG_ANSWER) returns (uint256 t) {
            slashed = t;
        } catch {}
    }

    function _penalize(uint256 disputeId, Dispute storage d, address member, bool revealed) private {
        uint256 taken;
        if (d.params.memberPenalty > 0) {
            // burnt in the registry (reward 0): a member's failure pays nobody, so nobody gains by causing it
            try registry.slash(member, d.params.memberPenalty, address(0xdead), 0, MEMBER_PENALTY) returns (uint256 t) {
                taken = t;
            } catch {}
        }
        emit MemberPenalized(disputeId, member, revealed, taken);
    }

    function _finish(uint256 disputeId, Dispute storage d, State outcome, uint256 agree, uint256 disagree, uint256 slashed)
        private
    {
        if (outcome == State.Void) claimable[d.challenger] += d.bond;
        d.state = outcome;
        openDispute[d.receiptId] = 0;
        emit Resolved(disputeId, outcome, agree, disagree, slashed);
    }

    function _voting(uint256 disputeId) private view returns (Dispute storage d) {
        d = _dispute(disputeId);
        if (d.state != State.Voting) revert WrongState(disputeId, d.state);
    }

    function _dispute(uint256 disputeId) private view returns (Dispute storage) {
        if (disputeId >= disputes.length) revert UnknownDispute(disputeId);
        return disputes[disputeId];
    }

    function _registry() internal view override returns (NodeRegistry) {
        return registry;
    }
}
