// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice The NOOS token as the other contracts see it: ERC-20, capped, mintable by role, burnable.
interface INoosToken is IERC20 {
    /// @notice Mints `amount` to `to`; only holders of MINTER_ROLE (Emission, Billing).
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` of the caller's balance.
    function burn(uint256 amount) external;

    /// @notice Burns `amount` from `account`, spending the caller's allowance.
    function burnFrom(address account, uint256 amount) external;

    /// @notice The hard cap on total supply (21,000,000e18).
    function cap() external view returns (uint256);
}
