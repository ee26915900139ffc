// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ConsensusTestToken} from "./ConsensusTestToken.sol";

/// @notice Test double for Emission in the consensus tests only: a test sets what a subnet has accrued.
contract ConsensusTestEmission is AccessControl {
    bytes32 public constant DISTRIBUTOR_ROLE = keccak256("DISTRIBUTOR_ROLE");

    ConsensusTestToken public immutable token;
    mapping(uint16 netuid => uint256) public pendingEmission;

    constructor(ConsensusTestToken token_, address admin) {
        token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Test only: mints `amount` more as accrued to `netuid`.
    function addAccrued(uint16 netuid, uint256 amount) external {
        pendingEmission[netuid] += amount;
        token.mint(address(this), amount);
    }

    /// @notice Transfers everything accrued to `netuid` to the caller.
    function pull(uint16 netuid) external onlyRole(DISTRIBUTOR_ROLE) returns (uint256 amount) {
        amount = pendingEmission[netuid];
        pendingEmission[netuid] = 0;
        token.transfer(msg.sender, amount);
    }
}
