// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {VerityReceipt} from "./VerityReceipt.sol";

/// @title Test-only benchmark baseline: settles receipts one by one, checking each signature on chain and
/// recording its id, as per-inference settlement schemes do. Verity itself never deploys this; the gas
/// benchmark (docs/benchmarks.md, "Settlement gas") compares it with batched Merkle commitments.
contract IndividualSettlement is EIP712 {
    mapping(bytes32 => address) public settled;

    event ReceiptSettled(bytes32 indexed id, address indexed node);

    error InvalidSignature(bytes32 receiptId, address recovered, address expected);
    error AlreadySettled(bytes32 receiptId);

    constructor() EIP712("Verity", "1") {}

    function settle(VerityReceipt.Receipt calldata r, bytes calldata signature) external returns (bytes32 id) {
        id = _hashTypedDataV4(VerityReceipt.hashStruct(r));
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(id, signature);
        if (err != ECDSA.RecoverError.NoError || recovered != r.node) revert InvalidSignature(id, recovered, r.node);
        if (settled[id] != address(0)) revert AlreadySettled(id);
        settled[id] = r.node;
        emit ReceiptSettled(id, r.node);
    }
}
