// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Verity model registry: model digest (keccak256 of the model file) -> manifest URI, owner, name, version,
///        and the comparison rule by which two answers of the model count as the same.
/// @notice The first caller to register a digest owns its entry; only the owner updates, transfers it or sets its rule.
contract ModelRegistry {
    /// How two answers of a model are compared (gateways' redundant:k and audits, committee disputes).
    /// None, the default of a model whose owner set no rule, leaves the model out of committee disputes: the
    /// registry cannot know which engine serves a model, and a wrong default would convict honest ONNX Runtime
    /// nodes (bit-exact) or acquit liars (a loose tolerance). It is also the rule for models no comparison is
    /// sound for, such as language models sampled by the node or proxied upstream.
    enum RuleKind {
        None,
        BitExact,
        Tolerance
    }

    /// A rule; absTol and relTol are parts per TOLERANCE_SCALE (1e9) and nonzero only for Tolerance: floats a
    /// and b agree when |a - b| <= absTol/1e9 + relTol/1e9 * |b|.
    struct Rule {
        RuleKind kind;
        uint64 absTol;
        uint64 relTol;
    }

    uint64 public constant TOLERANCE_SCALE = 1e9;
    /// Tolerances above 1e6 (1e15 parts per 1e9) compare nothing; the bound also keeps every value exact as a
    /// double with at most 15 significant digits, so the Java side converts both ways without rounding.
    uint64 public constant MAX_TOLERANCE = 1e15;

    struct Model {
        address owner;
        string manifestUri;
        string name;
        string version;
        uint64 registeredAt;
    }

    mapping(bytes32 => Model) private models;
    mapping(bytes32 => Rule) private rules;
    bytes32[] private digests;

    event ModelRegistered(bytes32 indexed digest, address indexed owner, string name, string version, string manifestUri);
    event ManifestUpdated(bytes32 indexed digest, string manifestUri);
    event ModelTransferred(bytes32 indexed digest, address indexed from, address indexed to);
    event RuleSet(bytes32 indexed digest, uint8 kind, uint64 absTol, uint64 relTol);

    error ZeroDigest();
    error EmptyName();
    error EmptyManifestUri();
    error ModelAlreadyRegistered(bytes32 digest, address owner);
    error UnknownModel(bytes32 digest);
    error NotModelOwner(bytes32 digest, address caller, address owner);
    error ZeroAddress();
    error IndexOutOfRange(uint256 index, uint256 length);
    error InvalidRule(uint8 kind, uint64 absTol, uint64 relTol);

    function register(bytes32 digest, string calldata manifestUri, string calldata name, string calldata version)
        public
    {
        if (digest == bytes32(0)) revert ZeroDigest();
        if (bytes(name).length == 0) revert EmptyName();
        if (bytes(manifestUri).length == 0) revert EmptyManifestUri();
        Model storage m = models[digest];
        if (m.owner != address(0)) revert ModelAlreadyRegistered(digest, m.owner);
        m.owner = msg.sender;
        m.manifestUri = manifestUri;
        m.name = name;
        m.version = version;
        m.registeredAt = uint64(block.timestamp);
        digests.push(digest);
        emit ModelRegistered(digest, msg.sender, name, version, manifestUri);
    }

    /// register, then setRule, in one transaction.
    function registerWithRule(
        bytes32 digest,
        string calldata manifestUri,
        string calldata name,
        string calldata version,
        uint8 kind,
        uint64 absTol,
        uint64 relTol
    ) external {
        register(digest, manifestUri, name, version);
        _setRule(digest, kind, absTol, relTol);
    }

    /// Owner only. kind: 0 None, 1 BitExact, 2 Tolerance (then absTol, relTol <= MAX_TOLERANCE; else both 0).
    function setRule(bytes32 digest, uint8 kind, uint64 absTol, uint64 relTol) external {
        _owned(digest);
        _setRule(digest, kind, absTol, relTol);
    }

    /// The model's rule: kind (0 None, 1 BitExact, 2 Tolerance) and tolerances in parts per 1e9.
    function ruleOf(bytes32 digest) external view returns (uint8 kind, uint64 absTol, uint64 relTol) {
        if (models[digest].owner == address(0)) revert UnknownModel(digest);
        Rule storage r = rules[digest];
        return (uint8(r.kind), r.absTol, r.relTol);
    }

    function _setRule(bytes32 digest, uint8 kind, uint64 absTol, uint64 relTol) private {
        bool tolerance = kind == uint8(RuleKind.Tolerance);
        bool valid = tolerance
            ? absTol <= MAX_TOLERANCE && relTol <= MAX_TOLERANCE
            : kind <= uint8(RuleKind.BitExact) && absTol == 0 && relTol == 0;
        if (!valid) revert InvalidRule(kind, absTol, relTol);
        rules[digest] = Rule(RuleKind(kind), absTol, relTol);
        emit RuleSet(digest, kind, absTol, relTol);
    }

    function updateManifest(bytes32 digest, string calldata manifestUri) external {
        Model storage m = _owned(digest);
        if (bytes(manifestUri).length == 0) revert EmptyManifestUri();
        m.manifestUri = manifestUri;
        emit ManifestUpdated(digest, manifestUri);
    }

    function transfer(bytes32 digest, address to) external {
        Model storage m = _owned(digest);
        if (to == address(0)) revert ZeroAddress();
        m.owner = to;
        emit ModelTransferred(digest, msg.sender, to);
    }

    function getModel(bytes32 digest)
        external
        view
        returns (address owner, string memory manifestUri, string memory name, string memory version, uint64 registeredAt)
    {
        Model storage m = models[digest];
        if (m.owner == address(0)) revert UnknownModel(digest);
        return (m.owner, m.manifestUri, m.name, m.version, m.registeredAt);
    }

    function modelCount() external view returns (uint256) {
        return digests.length;
    }

    function modelAt(uint256 index) external view returns (bytes32) {
        if (index >= digests.length) revert IndexOutOfRange(index, digests.length);
        return digests[index];
    }

    function _owned(bytes32 digest) private view returns (Model storage m) {
        m = models[digest];
        if (m.owner == address(0)) revert UnknownModel(digest);
        if (m.owner != msg.sender) revert NotModelOwner(digest, msg.sender, m.owner);
    }
}
