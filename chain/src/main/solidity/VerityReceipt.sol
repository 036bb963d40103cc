// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title The Verity receipt as an EIP-712 struct, exactly as docs/protocol.md ("Receipt (EIP-712)") defines it.
library VerityReceipt {
    struct Receipt {
        uint16 version;
        bytes32 requestId;
        bytes32 modelDigest;
        string engine;
        bytes32 inputsDigest;
        bytes32 outputsDigest;
        bytes32 traceRoot;
        address node;
        bytes32 attestationDigest;
        uint8 verification;
        uint256 price;
        uint64 timestamp;
    }

    bytes32 internal constant TYPEHASH = keccak256(
        "Receipt(uint16 version,bytes32 requestId,bytes32 modelDigest,string engine,bytes32 inputsDigest,bytes32 outputsDigest,bytes32 traceRoot,address node,bytes32 attestationDigest,uint8 verification,uint256 price,uint64 timestamp)"
    );

    function hashStruct(Receipt calldata r) internal pure returns (bytes32) {
        // Two static abi.encode halves concatenate to the same bytes as one 13-word encode, without
        // running out of stack under the legacy code generator.
        return keccak256(
            bytes.concat(
                abi.encode(TYPEHASH, r.version, r.requestId, r.modelDigest, keccak256(bytes(r.engine)), r.inputsDigest),
                abi.encode(r.outputsDigest, r.traceRoot, r.node, r.attestationDigest, r.verification, r.price, r.timestamp)
            )
        );
    }
}
