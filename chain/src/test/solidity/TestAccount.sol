// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// Test-only account contract: forwards calls (bubbling reverts) and misbehaves when paid. With
/// `rejectPayments` it refuses ether; with `reentryData` set it calls `reentryTarget` again from inside the
/// payment and records whether that succeeded and the revert selector it got.
contract TestAccount {
    bool public rejectPayments;
    address public reentryTarget;
    bytes public reentryData;
    bool public reentrySucceeded;
    bytes4 public reentryError;
    uint256 public paymentsReceived;

    error PaymentRejected();

    function configure(bool reject, address target, bytes calldata data) external {
        rejectPayments = reject;
        reentryTarget = target;
        reentryData = data;
    }

    function exec(address target, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    receive() external payable {
        if (rejectPayments) revert PaymentRejected();
        paymentsReceived += 1;
        if (reentryData.length > 0) {
            bytes memory data = reentryData;
            delete reentryData; // re-enter once
            (bool ok, bytes memory ret) = reentryTarget.call(data);
            reentrySucceeded = ok;
            if (!ok && ret.length >= 4) reentryError = bytes4(ret);
        }
    }
}
