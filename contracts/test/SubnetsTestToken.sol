// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";

/// @title SubnetsTestToken
/// @notice TEST ONLY: a burnable ERC-20 that anyone may mint, standing in for NoosToken in the
/// subnet registry's tests. Never deploy it outside tests.
contract SubnetsTestToken is ERC20Burnable {
    constructor() ERC20("Subnets Test Token", "STT") {}

    /// @notice Mints `amount` to `to`; open to anyone (test only).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
