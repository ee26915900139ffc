// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @notice Governance parameters of Staking, packed in one storage slot, set by PARAMS_ROLE.
abstract contract StakingParams is AccessControl {
    struct Params {
        uint128 minDelegation; // smallest delegation, and smallest position a partial undelegation may leave
        uint32 unstakeCooldownBlocks; // blocks an undelegation thaws before it can be withdrawn
        uint32 takeRaiseInterval; // blocks between two take raises of one hotkey
        uint32 takeDelayBlocks; // blocks before a take raise applies (about one epoch)
    }

    bytes32 public constant PARAMS_ROLE = keccak256("PARAMS_ROLE");

    uint128 public constant DEFAULT_MIN_DELEGATION = 0.1 ether;
    /// @dev 7 days of 12-second blocks; devnets set a few blocks.
    uint32 public constant DEFAULT_UNSTAKE_COOLDOWN_BLOCKS = 50_400;
    uint32 public constant DEFAULT_TAKE_RAISE_INTERVAL = 50_400;
    uint32 public constant DEFAULT_TAKE_DELAY_BLOCKS = 360;

    Params internal _params;

    event MinDelegationSet(uint256 minDelegation);
    event UnstakeCooldownSet(uint256 blocks);
    event TakeRaiseIntervalSet(uint256 blocks);
    event TakeDelaySet(uint256 blocks);

    error StakingZeroAddress();

    constructor(address admin) {
        if (admin == address(0)) revert StakingZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMS_ROLE, admin);
        _setMinDelegation(DEFAULT_MIN_DELEGATION);
        _setUnstakeCooldownBlocks(DEFAULT_UNSTAKE_COOLDOWN_BLOCKS);
        _setTakeRaiseInterval(DEFAULT_TAKE_RAISE_INTERVAL);
        _setTakeDelayBlocks(DEFAULT_TAKE_DELAY_BLOCKS);
    }

    /// @notice PARAMS_ROLE: sets the minimum delegation (also the smallest position a partial undelegation may leave).
    function setMinDelegation(uint128 amount) external onlyRole(PARAMS_ROLE) {
        _setMinDelegation(amount);
    }

    /// @notice PARAMS_ROLE: sets the cooldown of new undelegations, in blocks (requests already made keep theirs).
    function setUnstakeCooldownBlocks(uint32 blocks) external onlyRole(PARAMS_ROLE) {
        _setUnstakeCooldownBlocks(blocks);
    }

    /// @notice PARAMS_ROLE: sets the minimum number of blocks between two take raises of one hotkey.
    function setTakeRaiseInterval(uint32 blocks) external onlyRole(PARAMS_ROLE) {
        _setTakeRaiseInterval(blocks);
    }

    /// @notice PARAMS_ROLE: sets how many blocks after a raise the new take applies.
    function setTakeDelayBlocks(uint32 blocks) external onlyRole(PARAMS_ROLE) {
        _setTakeDelayBlocks(blocks);
    }

    /// @notice Smallest amount one delegation may add.
    function minDelegation() external view returns (uint256) {
        return _params.minDelegation;
    }

    /// @notice Blocks a new undelegation thaws before it can be withdrawn.
    function unstakeCooldownBlocks() external view returns (uint256) {
        return _params.unstakeCooldownBlocks;
    }

    /// @notice Minimum blocks between two take raises of one hotkey.
    function takeRaiseInterval() external view returns (uint256) {
        return _params.takeRaiseInterval;
    }

    /// @notice Blocks between a take raise and the block it applies from.
    function takeDelayBlocks() external view returns (uint256) {
        return _params.takeDelayBlocks;
    }

    function _setMinDelegation(uint128 amount) internal {
        _params.minDelegation = amount;
        emit MinDelegationSet(amount);
    }

    function _setUnstakeCooldownBlocks(uint32 blocks) internal {
        _params.unstakeCooldownBlocks = blocks;
        emit UnstakeCooldownSet(blocks);
    }

    function _setTakeRaiseInterval(uint32 blocks) internal {
        _params.takeRaiseInterval = blocks;
        emit TakeRaiseIntervalSet(blocks);
    }

    function _setTakeDelayBlocks(uint32 blocks) internal {
        _params.takeDelayBlocks = blocks;
        emit TakeDelaySet(blocks);
    }
}
