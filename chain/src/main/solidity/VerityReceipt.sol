// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title The Verity receipt as an EIP-712 struct, exactly as docs/protocol.md ("Receipt (EIP-712)") defines it,
/// and receipt format 2 (docs/receipts.md), which nests it and adds the requested and served model, usage,
/// payment, predecessor and attachments. A v2 receipt's id is the EIP-712 digest of its ReceiptV2 struct.
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

    struct ReceiptV2 {
        Receipt receipt;
        bytes32 requestedModel; // keccak256 of the model name as asked
        bytes32 servedModel; // keccak256 of the model name as the one that ran it reported it
        bytes32 provider; // keccak256 of the upstream base URL, of "" when the node ran the model
        uint64 promptTokens;
        uint64 completionTokens;
        address payer;
        uint256 cumulativeAmount;
        bytes32 prevReceipt;
        bytes32 attachmentsDigest;
    }

    bytes32 internal constant TYPEHASH = keccak256(
        "Receipt(uint16 version,bytes32 requestId,bytes32 modelDigest,string engine,bytes32 inputsDigest,bytes32 outputsDigest,bytes32 traceRoot,address node,bytes32 attestationDigest,uint8 verification,uint256 price,uint64 timestamp)"
    );

    bytes32 internal constant TYPEHASH_V2 = keccak256(
        "ReceiptV2(Receipt receipt,bytes32 requestedModel,bytes32 servedModel,bytes32 provider,uint64 promptTokens,uint64 completionTokens,address payer,uint256 cumulativeAmount,bytes32 prevReceipt,bytes32 attachmentsDigest)Receipt(uint16 version,bytes32 requestId,bytes32 modelDigest,string engine,bytes32 inputsDigest,bytes32 outputsDigest,bytes32 traceRoot,address node,bytes32 attestationDigest,uint8 verification,uint256 price,uint64 timestamp)"
    );

    /// hashStruct(ReceiptV2): its typehash, the nested Receipt's hashStruct, then the added words (in two
    /// static halves, as for hashStruct, to stay within the legacy code generator's stack).
    function hashStructV2(ReceiptV2 calldata r) internal pure returns (bytes32) {
        return keccak256(
            bytes.concat(
                abi.encode(TYPEHASH_V2, hashStruct(r.receipt), r.requestedModel, r.servedModel, r.provider),
                abi.encode(r.promptTokens, r.completionTokens, r.payer, r.cumulativeAmount, r.prevReceipt, r.attachmentsDigest)
            )
        );
    }

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
