// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @notice Share math of a hotkey's pool, with a virtual offset against share-inflation attacks.
/// @dev The pool is priced as if it always held VIRTUAL_SHARES more shares and VIRTUAL_ASSETS more
/// assets (OpenZeppelin ERC4626's decimals offset). A first depositor therefore cannot make a share
/// so expensive that later deposits round to nothing: whatever is added to a nearly empty pool is
/// mostly captured by the virtual shares, which nobody can redeem. Both conversions round down, so
/// rounding always favours the pool (the remaining holders), never the caller. Consequence: the
/// redemption price (assets + 1) / (shares + 1e6) never decreases, and shares never exceed
/// 1e6 x assets, so shares fit in 128 bits whenever assets do (NOOS: cap 2.1e25 < 2^128 / 1e6).
library SharePoolMath {
    uint256 internal constant VIRTUAL_SHARES = 1e6;
    uint256 internal constant VIRTUAL_ASSETS = 1;

    /// @notice Shares minted for depositing `assets` into a pool of `totalAssets` and `totalShares` (rounded down).
    function toShares(uint256 assets, uint256 totalAssets, uint256 totalShares) internal pure returns (uint256) {
        return Math.mulDiv(assets, totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);
    }

    /// @notice Assets paid for burning `shares` of a pool of `totalAssets` and `totalShares` (rounded down).
    function toAssets(uint256 shares, uint256 totalAssets, uint256 totalShares) internal pure returns (uint256) {
        return Math.mulDiv(shares, totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES);
    }
}
