// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Verity model registry: model digest (keccak256 of the model file) -> manifest URI, owner, name, version.
/// @notice The first caller to register a digest owns its entry; only the owner updates or transfers it.
contract ModelRegistry {
    struct Model {
        address owner;
        string manifestUri;
        string name;
        string version;
        uint64 registeredAt;
    }

    mapping(bytes32 => Model) private models;
    bytes32[] private digests;

    event ModelRegistered(bytes32 indexed digest, address indexed owner, string name, string version, string manifestUri);
    event ManifestUpdated(bytes32 indexed digest, string manifestUri);
    event ModelTransferred(bytes32 indexed digest, address indexed from, address indexed to);

    error ZeroDigest();
    error EmptyName();
    error EmptyManifestUri();
    error ModelAlreadyRegistered(bytes32 digest, address owner);
    error UnknownModel(bytes32 digest);
    error NotModelOwner(bytes32 digest, address caller, address owner);
    error ZeroAddress();
    error IndexOutOfRange(uint256 index, uint256 length);

    function register(bytes32 digest, string calldata manifestUri, string calldata name, string calldata version)
        external
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
