// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {INoosToken} from "../interfaces/INoosToken.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {NeuronRegistry} from "./NeuronRegistry.sol";
import {SubnetParamsStore} from "./SubnetParamsStore.sol";
import {TopStake} from "./TopStake.sol";

/// @title SubnetRegistry
/// @notice The Noosphere subnets: creation for a locked cost, governance-set parameters and model
/// allow-lists, neuron registration for a decaying burn price with pruning, axons, and validator
/// permits by stake. Implements ISubnets.
/// @dev Roles: DEFAULT_ADMIN_ROLE and PARAMS_ROLE go to `admin` (the DAO timelock after setup);
/// EPOCH_ROLE is granted to the consensus contract later.
contract SubnetRegistry is NeuronRegistry {
    /// @param token_ The NOOS token (locked by createSubnet, burned by register).
    /// @param staking_ Staking: hotkey owners and stakes.
    /// @param admin Receives DEFAULT_ADMIN_ROLE and PARAMS_ROLE.
    constructor(
        INoosToken token_,
        IStaking staking_,
        address admin
    ) SubnetParamsStore(token_, admin) NeuronRegistry(staking_) {}

    /// @notice UIDs holding a validator permit (indexed by UID): the top maxValidators hotkeys by
    /// stake in Staking among those with at least minValidatorStake; ties go to the lower UID.
    function validatorPermits(uint16 netuid) external view returns (bool[] memory) {
        SubnetParams storage p = _paramsOf(netuid);
        uint16 count = _neuronCount(netuid);
        uint256[] memory stakes = new uint256[](count);
        for (uint16 uid = 0; uid < count; ++uid) {
            stakes[uid] = staking.stakeOf(_hotkeyAt(netuid, uid));
        }
        return TopStake.select(stakes, p.maxValidators, p.minValidatorStake);
    }
}
