// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// Who is paid for a node's work: NodeRegistry answers with the node key's operator.
interface IPayees {
    function payeeOf(address node) external view returns (address);
}

/// @title Verity payments: client escrow and cumulative vouchers per (client, node) channel.
/// @notice A client deposits once and signs, per node, vouchers for the total it owes that node so far
/// (docs/protocol.md, "Vouchers"). The node redeems the latest voucher and is paid the difference to what it
/// already redeemed. Amounts only grow, so an old or repeated voucher pays nothing and is rejected. Clients
/// withdraw unspent escrow after `withdrawalDelay`, which gives nodes time to redeem what they hold.
/// A redeemed voucher pays the node key's operator (`payees.payeeOf(node)`, the node itself when it operates
/// itself), so a hot node key never holds the earnings; the node key or its operator may redeem.
contract Payments is EIP712, ReentrancyGuard {
    bytes32 public constant VOUCHER_TYPEHASH =
        keccak256("Voucher(address client,address node,uint256 cumulativeAmount)");

    uint64 public immutable withdrawalDelay;
    /// NodeRegistry; zero pays every voucher to its node.
    IPayees public immutable payees;

    mapping(address => uint256) public deposits;
    mapping(address => uint256) public pendingWithdrawal;
    mapping(address => uint64) public withdrawalReadyAt;
    /// client => node => total redeemed so far
    mapping(address => mapping(address => uint256)) public redeemed;

    event Deposited(address indexed client, uint256 amount, uint256 balance);
    event WithdrawalRequested(address indexed client, uint256 amount, uint64 readyAt);
    event Withdrawn(address indexed client, uint256 amount, uint256 balance);
    event VoucherRedeemed(address indexed client, address indexed node, uint256 cumulativeAmount, uint256 paid);

    error ZeroAmount();
    error AmountExceedsDeposit(uint256 amount, uint256 deposit);
    error NoWithdrawalPending(address client);
    error WithdrawalNotReady(uint64 readyAt, uint64 nowTime);
    error NotVoucherNode(address caller, address node);
    error InvalidVoucherSignature(address recovered, address client);
    error VoucherNotIncreasing(uint256 cumulativeAmount, uint256 alreadyRedeemed);
    error InsufficientDeposit(uint256 owed, uint256 deposit);
    error TransferFailed(address to, uint256 amount);

    constructor(uint64 withdrawalDelay_, IPayees payees_) EIP712("Verity", "1") {
        withdrawalDelay = withdrawalDelay_;
        payees = payees_;
    }

    function deposit() external payable {
        if (msg.value == 0) revert ZeroAmount();
        deposits[msg.sender] += msg.value;
        emit Deposited(msg.sender, msg.value, deposits[msg.sender]);
    }

    /// Announces a withdrawal of `amount`; a new request replaces the previous one and restarts the delay.
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        if (amount > deposits[msg.sender]) revert AmountExceedsDeposit(amount, deposits[msg.sender]);
        pendingWithdrawal[msg.sender] = amount;
        uint64 readyAt = uint64(block.timestamp) + withdrawalDelay;
        withdrawalReadyAt[msg.sender] = readyAt;
        emit WithdrawalRequested(msg.sender, amount, readyAt);
    }

    /// Pays out the pending withdrawal, capped at what is left after redemptions during the delay.
    function withdraw() external nonReentrant {
        uint256 amount = pendingWithdrawal[msg.sender];
        if (amount == 0) revert NoWithdrawalPending(msg.sender);
        uint64 readyAt = withdrawalReadyAt[msg.sender];
        if (block.timestamp < readyAt) revert WithdrawalNotReady(readyAt, uint64(block.timestamp));
        uint256 balance = deposits[msg.sender];
        if (amount > balance) amount = balance;
        pendingWithdrawal[msg.sender] = 0;
        withdrawalReadyAt[msg.sender] = 0;
        deposits[msg.sender] = balance - amount;
        emit Withdrawn(msg.sender, amount, balance - amount);
        if (amount > 0) _send(msg.sender, amount);
    }

    /// The caller, which must be the voucher's node or its operator, redeems the client-signed voucher
    /// Voucher(client, node, cumulativeAmount); the node's operator is paid what it adds to the channel.
    /// @return paid cumulativeAmount minus what this channel had redeemed before
    function redeem(address client, address node, uint256 cumulativeAmount, bytes calldata signature)
        external
        nonReentrant
        returns (uint256 paid)
    {
        address payee = address(payees) == address(0) ? node : payees.payeeOf(node);
        if (msg.sender != node && msg.sender != payee) revert NotVoucherNode(msg.sender, node);
        bytes32 digest = voucherDigest(client, node, cumulativeAmount);
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err != ECDSA.RecoverError.NoError || recovered != client) revert InvalidVoucherSignature(recovered, client);
        uint256 already = redeemed[client][node];
        if (cumulativeAmount <= already) revert VoucherNotIncreasing(cumulativeAmount, already);
        paid = cumulativeAmount - already;
        uint256 balance = deposits[client];
        if (paid > balance) revert InsufficientDeposit(paid, balance);
        redeemed[client][node] = cumulativeAmount;
        deposits[client] = balance - paid;
        emit VoucherRedeemed(client, node, cumulativeAmount, paid);
        _send(payee, paid);
    }

    /// The EIP-712 digest a client signs for Voucher(client, node, cumulativeAmount).
    function voucherDigest(address client, address node, uint256 cumulativeAmount) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(VOUCHER_TYPEHASH, client, node, cumulativeAmount)));
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    function _send(address to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }
}
