// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title NoosTimelock
/// @notice The DAO's TimelockController: holds DEFAULT_ADMIN_ROLE and PARAMS_ROLE of every Noosphere
/// contract; only NoosGovernor proposes (and cancels), and anyone executes a proposal once its delay passed.
contract NoosTimelock is TimelockController {
    /// @param minDelay Seconds between queueing and execution.
    /// @param proposers Accounts allowed to schedule (the governor).
    /// @param executors Accounts allowed to execute (address(0): anyone).
    /// @param admin Optional setup admin (address(0): the timelock administers itself only).
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {}
}
