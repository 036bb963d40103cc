// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {NodeRegistry} from "./NodeRegistry.sol";
import {Settlement} from "./Settlement.sol";
import {VerityReceipt} from "./VerityReceipt.sol";
import {Committees, CommitteePayouts} from "./Committees.sol";

/// @title Verity dispute game: a bonded challenge against a settled verity-det/1 receipt, decided by bisection
/// over the execution trace and a committee vote on the one operator both sides end up disputing.
/// @notice Trace commitment (docs/deterministic-engine.md): chain(i) = keccak256(chain(i-1) ‖ entry_i),
/// leaf(i) = keccak256(abi.encode(i, chain(i))), positional Merkle tree padded with zero to a power of two,
/// traceRoot = keccak256(abi.encode(n, treeRoot)). Bisection keeps `lo` (a chain value both sides agree on;
/// -1 is the empty chain, bytes32(0)) and `hi` (an index whose chain value the challenger disputes). Disagreeing
/// with the receipt's traceRoot means disagreeing with chain(n-1), so the game starts at lo = -1, hi = n-1.
/// The node reveals chain(mid) with a proof, the challenger agrees or disagrees, until hi = lo + 1: then every
/// input of entry hi is agreed (they are earlier entries) and a committee re-executes that single operator.
/// The committee is drawn from a block committed to when the bisection ends (`draw`), not from one the last
/// mover's transaction lands next to. A party that misses its deadline loses; anyone may call `timeout`.
/// Separately, `proveOutputs` convicts at once a verity-det/2 receipt whose outputsDigest differs from the last
/// entry of its own trace (the tensorsDigest of the graph outputs). Payouts are pulled with `withdraw`.
/// A receipt whose traceRoot is TRACE_ON_CHALLENGE signs no root: `open` waits for the node's `commitTrace`, whose last
/// entry must be the signed outputsDigest, and the bisection runs against that root (docs/deterministic-engine.md,
/// "Trace on challenge").
/// A receipt can be opened only within `disputeWindow` seconds of its batch's commit (Settlement records the time):
/// after that its node may delete the inputs it kept to answer a dispute (docs/deterministic-engine.md, "Dispute window").
contract DisputeGame is CommitteePayouts {
    /// Drawing (appended, so earlier values keep their numbers): the bisection is over and the committee waits for
    /// block `drawBlock` to be mined.
    /// AwaitTrace (appended too): an on-challenge receipt's game waits for the node's `commitTrace`.
    enum State { None, AwaitNode, AwaitChallenger, Voting, NodeWon, ChallengerWon, Draw, Drawing, AwaitTrace }

    struct Game {
        bytes32 receiptId;
        bytes32 traceRoot;
        bytes32 modelDigest;
        address node;
        uint64 commitBlock;    // AwaitTrace: the last block in which the node may commit its trace (packs with node)
        address challenger;
        uint256 bond;
        uint64 n;          // trace entries, as the challenger claims them (checked by every reveal)
        int64 lo;          // last agreed index (-1: nothing revealed yet)
        uint64 hi;         // first disputed index
        uint64 mid;        // index the node must reveal next
        uint64 deadline;   // unix seconds; the party to move loses after it
        uint32 rounds;     // node reveals so far
        State state;
        bytes32 agreedChain;   // chain(lo)
        bytes32 hiDigest;      // the node's entry digest at hi, once revealed
        bool hiKnown;
        bytes32 pendingChain;  // chain(mid) revealed, awaiting the challenger
        bytes32 pendingDigest; // entry digest at mid, awaiting the challenger
        uint64 drawBlock;      // Drawing: the committee is drawn from this block's hash once it is mined
        bytes32 outputsDigest; // AwaitTrace: the signed outputsDigest the committed trace must end with
    }

    struct Reveal {
        uint64 index;
        uint64 leafCount;
        bytes32 previous;   // chain(index-1)
        bytes32 digest;     // entry_index
        bytes32[] siblings; // leaf level up
    }

    bytes32 public constant DISPUTE = keccak256("verity:slash:dispute");
    bytes32 public constant WRONG_VOTE = keccak256("verity:slash:wrong-vote");
    bytes32 public constant OUTPUTS = keccak256("verity:slash:outputs");
    /// Blocks between the end of the bisection and the block whose hash seeds the committee.
    uint64 public constant DRAW_DELAY = 3;
    /// The engines whose trace ends with the outputs entry (tensorsDigest of the graph outputs): verity-det/2 and
    /// /3 (one trace format); `proveOutputs` accepts only their receipts (a verity-det/1 trace ends with an ordinary tensor).
    bytes32 public constant OUTPUTS_ENGINE = keccak256("verity-det/2");
    bytes32 private constant OUTPUTS_ENGINE_V3 = keccak256("verity-det/3");
    /// The traceRoot of a receipt whose node commits to its trace only when challenged (protocol's
    /// Receipt.TRACE_ON_CHALLENGE): no real trace has this root, so it cannot be opened, only replaced by `commitTrace`.
    bytes32 public constant TRACE_ON_CHALLENGE = keccak256("verity:trace-on-challenge");
    /// Blocks the node of an on-challenge receipt has, from `open`, to commit its trace (it recomputes it first).
    uint64 public constant COMMIT_BLOCKS = 100;

    NodeRegistry public immutable registry;
    Settlement public immutable settlement;
    uint256 public immutable minBond;
    uint64 public immutable moveTimeout;
    uint64 public immutable voteTimeout;
    uint8 public immutable committeeSize;
    /// Share of the convicted node's stake + unbonding slashed, in basis points.
    uint16 public immutable slashBps;
    /// Share of a pot (the slashed stake or a lost bond) paid to the committee's majority, in basis points.
    uint16 public immutable committeeBps;
    /// Slashed from a committee member that voted against the majority (0: only recorded).
    uint256 public immutable wrongVoteSlash;
    /// Seconds after a receipt's batch commit during which `open` accepts it; `proveOutputs` (a self-contained proof
    /// that needs nothing from the node) has no window.
    uint64 public immutable disputeWindow;

    Game[] private games;
    mapping(uint256 => address[]) private committees;
    /// gameId => member => 0 not voted, 1 node right, 2 node wrong
    mapping(uint256 => mapping(address => uint8)) public votes;
    /// receipt id => open game id + 1 (0: none open)
    mapping(bytes32 => uint256) public openGame;
    /// receipt id => the node was convicted on it (no second slash for the same receipt)
    mapping(bytes32 => bool) public convicted;
    mapping(address => uint256) public wrongVotes;

    event DisputeOpened(uint256 indexed gameId, bytes32 indexed receiptId, address indexed node, address challenger,
        uint256 bond, uint64 n, uint64 deadline);
    event TraceCommitted(uint256 indexed gameId, bytes32 traceRoot, uint64 n, uint64 deadline);
    event Revealed(uint256 indexed gameId, uint64 index, bytes32 chainValue, bytes32 digest, uint32 round, uint64 deadline);
    event Responded(uint256 indexed gameId, uint64 index, bool agree, int64 lo, uint64 hi, uint64 nextIndex, uint64 deadline);
    event CommitteeChosen(uint256 indexed gameId, uint64 index, bytes32 agreedChain, bytes32 nodeDigest,
        address[] committee, uint64 deadline);
    event DrawCommitted(uint256 indexed gameId, uint64 index, uint64 drawBlock);
    event OutputsProven(bytes32 indexed receiptId, address indexed node, address indexed paid, bytes32 lastEntry,
        bytes32 outputsDigest, uint256 slashed, uint256 reward);
    event Voted(uint256 indexed gameId, address indexed member, bool nodeRight);
    event WrongVote(uint256 indexed gameId, address indexed member, uint256 slashed);
    event Resolved(uint256 indexed gameId, State outcome, string reason, uint256 slashed, uint32 rounds);

    error BondTooSmall(uint256 given, uint256 minimum);
    error NoTrace(bytes32 receiptId);
    error EmptyTrace();
    error AlreadyDisputed(bytes32 receiptId, uint256 gameId);
    error AlreadyConvicted(bytes32 receiptId);
    error UnknownGame(uint256 gameId);
    error WrongState(uint256 gameId, State state);
    error NotChallenger(address caller);
    error WrongIndex(uint64 expected, uint64 given);
    error InvalidProof(uint64 index);
    error SameLength(uint64 n);
    error DeadlineNotPassed(uint64 deadline, uint64 nowTime);
    error DeadlinePassed(uint64 deadline, uint64 nowTime);
    error NotInCommittee(address caller);
    error AlreadyVoted(address member);
    error InvalidBps(uint16 value);
    error NotLastEntry(uint64 index, uint64 leafCount);
    error OutputsMatch(bytes32 receiptId);
    error NoOutputsEntry(string engine);
    error NotNode(address caller);
    error TraceNotOutputs(bytes32 lastEntry, bytes32 outputsDigest);
    error CommitWindowOpen(uint64 commitBlock, uint64 blockNumber);
    error DisputeWindowClosed(bytes32 receiptId, uint64 closedAt, uint64 nowTime);
    error InvalidWindow(uint64 value);

    constructor(NodeRegistry registry_, Settlement settlement_, uint256 minBond_, uint64 moveTimeout_, uint64 voteTimeout_,
        uint8 committeeSize_, uint16 slashBps_, uint16 committeeBps_, uint256 wrongVoteSlash_, uint64 disputeWindow_)
    {
        if (slashBps_ == 0 || slashBps_ > 10_000) revert InvalidBps(slashBps_);
        if (disputeWindow_ == 0) revert InvalidWindow(disputeWindow_);
        if (committeeBps_ > 10_000) revert InvalidBps(committeeBps_);
        registry = registry_;
        settlement = settlement_;
        minBond = minBond_;
        moveTimeout = moveTimeout_;
        voteTimeout = voteTimeout_;
        committeeSize = committeeSize_ == 0 ? 1 : committeeSize_;
        slashBps = slashBps_;
        committeeBps = committeeBps_;
        wrongVoteSlash = wrongVoteSlash_;
        disputeWindow = disputeWindow_;
    }

    /// Slashed stake arrives here from NodeRegistry before it is split.
    receive() external payable {}

    /// Challenges a settled receipt (Settlement.verifyReceipt must pass, at most `disputeWindow` seconds after its
    /// batch was committed) whose trace has `n` entries, with a bond of at least `minBond`. The node moves first: it reveals chain(mid), or, on an on-challenge receipt,
    /// commits its trace (then `n` is the committed trace's length, whatever the challenger passed).
    function open(VerityReceipt.Receipt calldata r, bytes calldata sig, uint256 batchId, bytes32[] calldata proof, uint64 n)
        external
        payable
        returns (uint256 gameId)
    {
        _canOpen(r, n);
        (bytes32 id, uint64 settledAt,) = settlement.verifyReceipt(r, sig, batchId, proof);
        return _open(r, id, settledAt, n);
    }

    /// open for a format-2 receipt (Settlement.verifyReceiptV2 must pass); the game is on its v1 fields.
    function openV2(VerityReceipt.ReceiptV2 calldata r, bytes calldata sig, uint256 batchId, bytes32[] calldata proof,
        uint64 n) external payable returns (uint256 gameId)
    {
        _canOpen(r.receipt, n);
        (bytes32 id, uint64 settledAt,) = settlement.verifyReceiptV2(r, sig, batchId, proof);
        return _open(r.receipt, id, settledAt, n);
    }

    function _canOpen(VerityReceipt.Receipt calldata r, uint64 n) private view {
        if (msg.value < minBond) revert BondTooSmall(msg.value, minBond);
        if (r.traceRoot == bytes32(0)) revert NoTrace(bytes32(0));
        if (n == 0) revert EmptyTrace();
    }

    function _open(VerityReceipt.Receipt calldata r, bytes32 id, uint64 settledAt, uint64 n) private returns (uint256 gameId) {
        if (convicted[id]) revert AlreadyConvicted(id);
        // inclusive, as the move deadlines; summed in 256 bits so a huge window means "always" (no overflow)
        uint256 closedAt = uint256(settledAt) + disputeWindow;
        if (block.timestamp > closedAt) revert DisputeWindowClosed(id, uint64(closedAt), uint64(block.timestamp));
        if (openGame[id] != 0) revert AlreadyDisputed(id, openGame[id] - 1);
        gameId = games.length;
        Game storage g = games.push();
        g.receiptId = id;
        g.modelDigest = r.modelDigest;
        g.node = r.node;
        g.challenger = msg.sender;
        g.bond = msg.value;
        g.n = n;
        g.lo = -1;
        g.hi = n - 1;
        if (r.traceRoot == TRACE_ON_CHALLENGE) {
            // no root signed: the node commits one (deadline in blocks, no time deadline meanwhile)
            g.state = State.AwaitTrace;
            g.commitBlock = uint64(block.number) + COMMIT_BLOCKS;
            g.outputsDigest = r.outputsDigest;
        } else {
            g.traceRoot = r.traceRoot;
            g.state = State.AwaitNode;
            g.mid = _next(g);
            g.deadline = uint64(block.timestamp) + moveTimeout;
        }
        openGame[id] = gameId + 1;
        emit DisputeOpened(gameId, id, r.node, msg.sender, msg.value, n, g.deadline);
    }

    /// The node's first move on an on-challenge receipt: the opening of the last entry of the trace it recomputed.
    /// Its root becomes the game's traceRoot and its leaf count the game's n; its digest must be the signed
    /// outputsDigest (the check `proveOutputs` makes on an eager receipt). Only the node may send it: a root
    /// posted by anyone else would bind the node to nothing. Then the bisection runs as for an eager receipt.
    function commitTrace(uint256 gameId, Reveal calldata last) external {
        Game storage g = _game(gameId);
        if (g.state != State.AwaitTrace) revert WrongState(gameId, g.state);
        if (msg.sender != g.node) revert NotNode(msg.sender);
        if (block.number > g.commitBlock) revert DeadlinePassed(g.commitBlock, uint64(block.number));
        if (last.leafCount == 0 || last.index != last.leafCount - 1) revert NotLastEntry(last.index, last.leafCount);
        bytes32 root = traceRootOf(last);
        if (root == bytes32(0)) revert InvalidProof(last.index);
        if (last.digest != g.outputsDigest) revert TraceNotOutputs(last.digest, g.outputsDigest);
        g.traceRoot = root;
        g.n = last.leafCount;
        g.hi = last.leafCount - 1;
        g.mid = _next(g);
        g.state = State.AwaitNode;
        g.deadline = uint64(block.timestamp) + moveTimeout;
        emit TraceCommitted(gameId, root, last.leafCount, g.deadline);
    }

    /// The node's move: entry `mid` with its proof against the receipt's traceRoot. Anyone may submit it (the
    /// proof binds it to the node's commitment), so a node's watcher need not hold the node key.
    function reveal(uint256 gameId, Reveal calldata p) external {
        Game storage g = _game(gameId);
        if (g.state != State.AwaitNode) revert WrongState(gameId, g.state);
        _beforeDeadline(g);
        if (p.index != g.mid) revert WrongIndex(g.mid, p.index);
        if (p.leafCount != g.n || traceRootOf(p) != g.traceRoot) revert InvalidProof(p.index);
        bytes32 chainValue = keccak256(abi.encodePacked(p.previous, p.digest));
        g.rounds++;
        g.deadline = uint64(block.timestamp) + moveTimeout;
        emit Revealed(gameId, p.index, chainValue, p.digest, g.rounds, g.deadline);
        if (p.index == g.hi) {
            // the final reveal (hi = lo + 1): its chain(hi-1) is the agreed chain(lo), since both come from one tree
            if (p.previous != g.agreedChain) revert InvalidProof(p.index);
            g.hiDigest = p.digest;
            g.hiKnown = true;
            _commitDraw(gameId, g);
        } else {
            g.pendingChain = chainValue;
            g.pendingDigest = p.digest;
            g.state = State.AwaitChallenger;
        }
    }

    /// Proves the challenger's claimed trace length wrong: any valid opening of the receipt's traceRoot with a
    /// different leaf count (the root commits n). The challenger loses at once.
    function disproveLength(uint256 gameId, Reveal calldata p) external nonReentrant {
        Game storage g = _game(gameId);
        if (g.state != State.AwaitNode && g.state != State.AwaitChallenger) revert WrongState(gameId, g.state);
        if (p.leafCount == g.n) revert SameLength(g.n);
        if (traceRootOf(p) != g.traceRoot) revert InvalidProof(p.index);
        _challengerLoses(gameId, g, "wrong trace length");
    }

    /// A fraud proof needing no game: the receipt (settled, as for `open`) and the opening of the last entry of its
    /// own trace, which for verity-det/2 is tensorsDigest(graph outputs), exactly an honest outputsDigest. When
    /// they differ the node signed a self-contradiction: it is slashed `slashBps` at once, and the prover (or, when
    /// a game on the receipt is open, that game's challenger, whose bond is returned) gets the slashed amount
    /// minus `committeeBps`, which is burnt since no committee sat. Reverts when the opening is not entry n-1 of
    /// the receipt's traceRoot, or when it equals outputsDigest.
    function proveOutputs(VerityReceipt.Receipt calldata r, bytes calldata sig, uint256 batchId, bytes32[] calldata proof,
        Reveal calldata last) external nonReentrant
    {
        _canProveOutputs(r);
        (bytes32 id,,) = settlement.verifyReceipt(r, sig, batchId, proof);
        _proveOutputs(r, id, last);
    }

    /// proveOutputs for a format-2 receipt (Settlement.verifyReceiptV2 must pass).
    function proveOutputsV2(VerityReceipt.ReceiptV2 calldata r, bytes calldata sig, uint256 batchId,
        bytes32[] calldata proof, Reveal calldata last) external nonReentrant
    {
        _canProveOutputs(r.receipt);
        (bytes32 id,,) = settlement.verifyReceiptV2(r, sig, batchId, proof);
        _proveOutputs(r.receipt, id, last);
    }

    function _canProveOutputs(VerityReceipt.Receipt calldata r) private pure {
        // an on-challenge receipt signs no root to contradict; commitTrace makes this check instead
        if (r.traceRoot == bytes32(0) || r.traceRoot == TRACE_ON_CHALLENGE) revert NoTrace(r.traceRoot);
        bytes32 engine = keccak256(bytes(r.engine));
        if (engine != OUTPUTS_ENGINE && engine != OUTPUTS_ENGINE_V3) revert NoOutputsEntry(r.engine);
    }

    function _proveOutputs(VerityReceipt.Receipt calldata r, bytes32 id, Reveal calldata last) private {
        if (convicted[id]) revert AlreadyConvicted(id);
        if (last.leafCount == 0 || last.index != last.leafCount - 1) revert NotLastEntry(last.index, last.leafCount);
        if (traceRootOf(last) != r.traceRoot) revert InvalidProof(last.index);
        if (last.digest == r.outputsDigest) revert OutputsMatch(id);
        convicted[id] = true;
        _payOutputsProof(id, r.node, last.digest, r.outputsDigest);
    }

    /// The challenger's move: whether its own chain(mid) equals the one the node revealed.
    function respond(uint256 gameId, bool agree) external {
        Game storage g = _game(gameId);
        if (g.state != State.AwaitChallenger) revert WrongState(gameId, g.state);
        if (msg.sender != g.challenger) revert NotChallenger(msg.sender);
        _beforeDeadline(g);
        if (agree) {
            g.lo = int64(g.mid);
            g.agreedChain = g.pendingChain;
        } else {
            g.hi = g.mid;
            g.hiDigest = g.pendingDigest;
            g.hiKnown = true;
        }
        if (g.hi == uint64(g.lo + 1) && g.hiKnown) {
            emit Responded(gameId, g.mid, agree, g.lo, g.hi, g.hi, uint64(block.timestamp));
            _commitDraw(gameId, g);
            return;
        }
        g.mid = _next(g);
        g.state = State.AwaitNode;
        g.deadline = uint64(block.timestamp) + moveTimeout;
        emit Responded(gameId, g.mid, agree, g.lo, g.hi, g.mid, g.deadline);
    }

    /// A committee member's vote: whether the node's digest is the right output for the disputed entry given
    /// the agreed inputs (re-executed with verity-det/1). Voting ends early once every member voted.
    function vote(uint256 gameId, bool nodeRight) external nonReentrant {
        Game storage g = _game(gameId);
        if (g.state != State.Voting) revert WrongState(gameId, g.state);
        _beforeDeadline(g);
        if (!Committees.isMember(committees[gameId], msg.sender)) revert NotInCommittee(msg.sender);
        if (votes[gameId][msg.sender] != 0) revert AlreadyVoted(msg.sender);
        votes[gameId][msg.sender] = nodeRight ? 1 : 2;
        emit Voted(gameId, msg.sender, nodeRight);
        address[] storage c = committees[gameId];
        for (uint256 i; i < c.length; ++i) if (votes[gameId][c[i]] == 0) return;
        _tally(gameId, g);
    }

    /// Draws the committee of a game in Drawing once block `drawBlock` is mined: seeded with that block's hash
    /// (fixed when the bisection ended, so the last mover could not pick it), mixed with this block's prevrandao,
    /// the game and the receipt. Before that block it does nothing and returns false (on a devnet that mines a
    /// block per transaction, that is how the parties move the chain on). More than 256 blocks later the hash is
    /// gone: it commits to a new future block and returns false. Anyone may call it.
    function draw(uint256 gameId) external nonReentrant returns (bool drawn) {
        Game storage g = _game(gameId);
        if (g.state != State.Drawing) revert WrongState(gameId, g.state);
        if (block.number <= g.drawBlock) return false;
        if (block.number - g.drawBlock > 256) {
            _commitDraw(gameId, g);
            return false;
        }
        g.state = State.Voting;
        g.deadline = uint64(block.timestamp) + voteTimeout;
        address[] memory chosen = _choose(gameId, g);
        committees[gameId] = chosen;
        emit CommitteeChosen(gameId, g.hi, g.agreedChain, g.hiDigest, chosen, g.deadline);
        if (chosen.length == 0) _resolve(gameId, g, State.Draw, "no eligible committee", 0);
        return true;
    }

    /// After a deadline: the party that had to move loses; in voting, the votes cast decide. A node that did not
    /// commit its trace within COMMIT_BLOCKS loses as for a missed reveal.
    function timeout(uint256 gameId) external nonReentrant {
        Game storage g = _game(gameId);
        if (g.state == State.AwaitTrace) {
            if (block.number <= g.commitBlock) revert CommitWindowOpen(g.commitBlock, uint64(block.number));
            _nodeLoses(gameId, g, "node did not commit its trace", new address[](0));
            return;
        }
        if (block.timestamp <= g.deadline) revert DeadlineNotPassed(g.deadline, uint64(block.timestamp));
        if (g.state == State.AwaitNode) _nodeLoses(gameId, g, "node timed out", new address[](0));
        else if (g.state == State.AwaitChallenger) _challengerLoses(gameId, g, "challenger timed out");
        else if (g.state == State.Voting) _tally(gameId, g);
        else revert WrongState(gameId, g.state);
    }

    /// The traceRoot an opening leads to (docs/deterministic-engine.md, "Trace commitment").
    function traceRootOf(Reveal calldata p) public pure returns (bytes32) {
        if (p.index >= p.leafCount) return bytes32(0);
        uint256 depth;
        while ((uint256(1) << depth) < p.leafCount) ++depth;
        if (p.siblings.length != depth) return bytes32(0);
        bytes32 node = keccak256(abi.encode(uint256(p.index), keccak256(abi.encodePacked(p.previous, p.digest))));
        uint256 i = p.index;
        for (uint256 l; l < depth; ++l) {
            node = (i & 1) == 0 ? keccak256(abi.encodePacked(node, p.siblings[l]))
                : keccak256(abi.encodePacked(p.siblings[l], node));
            i >>= 1;
        }
        return keccak256(abi.encode(uint256(p.leafCount), node));
    }

    function gameCount() external view returns (uint256) {
        return games.length;
    }

    /// Who disputes what: the receipt, its trace root, the two parties and the bond.
    function parties(uint256 gameId)
        external
        view
        returns (bytes32 receiptId, bytes32 traceRoot, address node, address challenger, uint256 bond)
    {
        Game storage g = _game(gameId);
        return (g.receiptId, g.traceRoot, g.node, g.challenger, g.bond);
    }

    /// Where the game stands: state, trace length, bisection bounds, the index to reveal next, the deadline,
    /// the node's reveals so far, chain(lo) and the node's digest at hi (zero until revealed).
    function progress(uint256 gameId)
        external
        view
        returns (State state, uint64 n, int64 lo, uint64 hi, uint64 mid, uint64 deadline, uint32 rounds,
            bytes32 agreedChain, bytes32 hiDigest)
    {
        Game storage g = _game(gameId);
        return (g.state, g.n, g.lo, g.hi, g.mid, g.deadline, g.rounds, g.agreedChain, g.hiKnown ? g.hiDigest : bytes32(0));
    }

    /// The node's latest midpoint opening awaiting the challenger's answer: chain(mid) and entry mid's digest.
    function pending(uint256 gameId) external view returns (uint64 index, bytes32 chainValue, bytes32 digest) {
        Game storage g = _game(gameId);
        if (g.state != State.AwaitChallenger) revert WrongState(gameId, g.state);
        return (g.mid, g.pendingChain, g.pendingDigest);
    }

    function committee(uint256 gameId) external view returns (address[] memory) {
        return committees[gameId];
    }

    /// AwaitTrace: the last block in which the node may commit its trace (0 for an eager receipt's game).
    function commitBlockOf(uint256 gameId) external view returns (uint64) {
        return _game(gameId).commitBlock;
    }

    /// The block whose hash seeds the committee of a game in Drawing (or that did, once drawn).
    function drawBlockOf(uint256 gameId) external view returns (uint64) {
        return _game(gameId).drawBlock;
    }

    // ---- internals ----

    function _next(Game storage g) private view returns (uint64) {
        // bisection point strictly between lo and hi; hi itself once they are adjacent (the final reveal)
        if (g.hi == uint64(g.lo + 1)) return g.hi;
        return uint64((g.lo + int64(g.hi)) / 2);
    }

    /// Slashes the node of a receipt proven wrong by `proveOutputs` and credits the reward (see there).
    function _payOutputsProof(bytes32 id, address node, bytes32 lastEntry, bytes32 outputsDigest) private {
        (,,,, uint256 stake, uint256 unbonding,,,,) = registry.getNode(node);
        uint256 amount = (stake + unbonding) * slashBps / 10_000;
        uint256 reward = amount * (10_000 - committeeBps) / 10_000;
        uint256 slashed;
        uint256 paid;
        if (amount > 0) {
            // the registry pays `reward` (scaled down if the node holds less) here and burns the rest
            try registry.slash(node, amount, address(this), reward, OUTPUTS) returns (uint256 t) {
                slashed = t;
                paid = reward * t / amount;
            } catch {}
        }
        address to = msg.sender;
        uint256 open_ = openGame[id];
        if (open_ != 0) {
            // the challenger already disputing this receipt was right about it: it gets the reward and its bond
            Game storage g = games[open_ - 1];
            to = g.challenger;
            claimable[to] += g.bond;
            _resolve(open_ - 1, g, State.ChallengerWon, "outputs proof", slashed);
        }
        claimable[to] += paid;
        emit OutputsProven(id, node, to, lastEntry, outputsDigest, slashed, paid);
    }

    /// Commits to a block DRAW_DELAY ahead; no deadline runs while drawing (deadline 0: anyone can `draw`, and a
    /// missed 256-block window only re-commits).
    function _commitDraw(uint256 gameId, Game storage g) private {
        g.state = State.Drawing;
        g.drawBlock = uint64(block.number) + DRAW_DELAY;
        g.deadline = 0;
        emit DrawCommitted(gameId, g.hi, g.drawBlock);
    }

    /// Up to committeeSize staked nodes that advertise the receipt's model, other than the parties, drawn without
    /// replacement. Seed: the committed block's hash, which neither party could know when the bisection ended,
    /// mixed with the drawing block's prevrandao (docs/deterministic-engine.md, "Committee", for what is left to bias).
    function _choose(uint256 gameId, Game storage g) private view returns (address[] memory) {
        bytes32 seed = keccak256(abi.encode(blockhash(g.drawBlock), block.prevrandao, gameId, g.receiptId));
        return Committees.choose(registry, g.node, g.challenger, g.modelDigest, committeeSize, seed);
    }

    function _tally(uint256 gameId, Game storage g) private {
        address[] storage c = committees[gameId];
        uint256 right;
        uint256 wrong;
        for (uint256 i; i < c.length; ++i) {
            uint8 v = votes[gameId][c[i]];
            if (v == 1) ++right;
            else if (v == 2) ++wrong;
        }
        if (right == wrong) {
            _resolve(gameId, g, State.Draw, "committee tied", 0);
            return;
        }
        uint8 majority = right > wrong ? 1 : 2;
        address[] memory winners = new address[](right > wrong ? right : wrong);
        uint256 w;
        for (uint256 i; i < c.length; ++i) {
            uint8 v = votes[gameId][c[i]];
            if (v == majority) winners[w++] = c[i];
            else if (v != 0) _punishVoter(gameId, c[i]);
        }
        if (majority == 1) _challengerLoses(gameId, g, "committee: node right", winners);
        else _nodeLoses(gameId, g, "committee: node wrong", winners);
    }

    function _punishVoter(uint256 gameId, address member) private {
        wrongVotes[member]++;
        uint256 taken;
        if (wrongVoteSlash > 0) {
            // burnt in the registry (reward 0): a wrong vote costs the voter, it pays nobody
            try registry.slash(member, wrongVoteSlash, address(0xdead), 0, WRONG_VOTE) returns (uint256 t) {
                taken = t;
            } catch {}
        }
        emit WrongVote(gameId, member, taken);
    }

    function _nodeLoses(uint256 gameId, Game storage g, string memory reason, address[] memory winners) private {
        (,,,, uint256 stake, uint256 unbonding,,,,) = registry.getNode(g.node);
        uint256 amount = (stake + unbonding) * slashBps / 10_000;
        uint256 slashed;
        if (amount > 0) {
            // all of it comes here; the split below pays the challenger and the committee's majority
            try registry.slash(g.node, amount, address(this), amount, DISPUTE) returns (uint256 t) {
                slashed = t;
            } catch {}
        }
        uint256 toCommittee = _share(winners, slashed, committeeBps);
        claimable[g.challenger] += g.bond + slashed - toCommittee;
        convicted[g.receiptId] = true;
        _resolve(gameId, g, State.ChallengerWon, reason, slashed);
    }

    function _challengerLoses(uint256 gameId, Game storage g, string memory reason) private {
        _challengerLoses(gameId, g, reason, new address[](0));
    }

    function _challengerLoses(uint256 gameId, Game storage g, string memory reason, address[] memory winners) private {
        claimable[g.node] += g.bond - _share(winners, g.bond, committeeBps);
        _resolve(gameId, g, State.NodeWon, reason, 0);
    }

    function _resolve(uint256 gameId, Game storage g, State outcome, string memory reason, uint256 slashed) private {
        if (outcome == State.Draw) claimable[g.challenger] += g.bond;
        g.state = outcome;
        openGame[g.receiptId] = 0;
        emit Resolved(gameId, outcome, reason, slashed, g.rounds);
    }

    function _beforeDeadline(Game storage g) private view {
        if (block.timestamp > g.deadline) revert DeadlinePassed(g.deadline, uint64(block.timestamp));
    }

    function _game(uint256 gameId) private view returns (Game storage) {
        if (gameId >= games.length) revert UnknownGame(gameId);
        return games[gameId];
    }

    function _registry() internal view override returns (NodeRegistry) {
        return registry;
    }
}
