// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

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
