// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {INoosToken} from "../interfaces/INoosToken.sol";

/// @notice TEST ONLY: an ERC-20 with the INoosToken surface that ANYONE may mint. Used by the
/// staking tests until they switch to the real NoosToken. Never deploy it anywhere that matters.
contract StakingTestToken is INoosToken, ERC20Burnable {
    constructor() ERC20("Staking Test Token", "STT") {}

    /// @notice Mints `amount` to `to`; open to anyone (test only).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Burns `amount` of the caller's balance.
    function burn(uint256 amount) public override(INoosToken, ERC20Burnable) {
        super.burn(amount);
    }

    /// @notice Burns `amount` from `account`, spending the caller's allowance.
    function burnFrom(address account, uint256 amount) public override(INoosToken, ERC20Burnable) {
        super.burnFrom(account, amount);
    }

    /// @notice Nominal cap (not enforced: test only).
    function cap() external pure returns (uint256) {
        return 21_000_000 ether;
    }
}
