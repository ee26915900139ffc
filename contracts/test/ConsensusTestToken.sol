// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test double for NOOS in the consensus tests only: an ERC-20 anyone may mint.
contract ConsensusTestToken is ERC20 {
    constructor() ERC20("Consensus Test NOOS", "tNOOS") {}

    /// @notice Mints `amount` to `to` (test only).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
