// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {NodeRegistry} from "./NodeRegistry.sol";

/// @title How DisputeGame and CommitteeDisputes draw a committee from NodeRegistry and check membership.
library Committees {
    /// Up to `size` active staked nodes advertising `model`, other than `node` and `challenger`, drawn without
    /// replacement from `seed` (each contract says where its seed comes from and what can bias it).
    function choose(NodeRegistry registry, address node, address challenger, bytes32 model, uint256 size, bytes32 seed)
        internal
        view
        returns (address[] memory chosen)
    {
        address[] memory pool = registry.activeNodes();
        uint256 eligible;
        for (uint256 i; i < pool.length; ++i) {
            if (pool[i] != node && pool[i] != challenger && serves(registry, pool[i], model)) pool[eligible++] = pool[i];
        }
        uint256 k = eligible < size ? eligible : size;
        chosen = new address[](k);
        for (uint256 j; j < k; ++j) {
            uint256 pick = j + uint256(keccak256(abi.encode(seed, j))) % (eligible - j);
            (pool[j], pool[pick]) = (pool[pick], pool[j]);
            chosen[j] = pool[j];
        }
    }

    function serves(NodeRegistry registry, address node, bytes32 model) internal view returns (bool) {
        (, bytes32[] memory models,,,,,,,,) = registry.getNode(node);
        for (uint256 i; i < models.length; ++i) if (models[i] == model) return true;
        return false;
    }

    function isMember(address[] storage committee, address who) internal view returns (bool) {
        for (uint256 i; i < committee.length; ++i) if (committee[i] == who) return true;
        return false;
    }
}

/// @title The pull payments of a dispute contract: bonds, rewards and committee shares are credited to `claimable`
/// and paid out by `withdraw`, a node key's to its operator (NodeRegistry.payeeOf).
abstract contract CommitteePayouts is ReentrancyGuard {
    mapping(address => uint256) public claimable;

    event Withdrawn(address indexed to, uint256 amount);

    error NothingToWithdraw(address to);
    error TransferFailed(address to, uint256 amount);

    function _registry() internal view virtual returns (NodeRegistry);

    /// Pays out the caller's claimable balance; what a node key earned goes to its operator.
    function withdraw() external nonReentrant {
        uint256 amount = claimable[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        claimable[msg.sender] = 0;
        address to = _registry().payeeOf(msg.sender);
        emit Withdrawn(msg.sender, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }

    /// Credits the majority voters `bps` of `pot` in equal parts; returns what they got (no dust lost).
    function _share(address[] memory winners, uint256 pot, uint16 bps) internal returns (uint256 total) {
        if (winners.length == 0) return 0;
        uint256 each = pot * bps / 10_000 / winners.length;
        for (uint256 i; i < winners.length; ++i) claimable[winners[i]] += each;
        return each * winners.length;
    }
}
