// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title RegistrationPrice
/// @notice The registration burn price of a subnet: it rises x1.26 with every registration and
/// decays back towards a floor with a half-life.
/// @dev The decay of `lastPrice` after `elapsed` blocks with half-life `h` is
///   2^(-elapsed / h) * lastPrice
/// approximated in integers as: k = elapsed / h whole halvings (`lastPrice >> k`), then a linear
/// interpolation inside the current half-life between `p = lastPrice >> k` and `p / 2`:
///   decayed = p - (p - p / 2) * (elapsed % h) / h.
/// The result is continuous at every half-life boundary and never increases with `elapsed`. The
/// chord lies above the exponential curve, so the approximation errs on the high side by at most
/// ~6.1% (at the middle of a half-life: 0.75 against 2^-0.5 = 0.7071).
library RegistrationPrice {
    /// @notice Multiplier applied to the price paid by a registration, as RISE_NUM / RISE_DEN.
    uint256 internal constant RISE_NUM = 126;
    uint256 internal constant RISE_DEN = 100;

    /// @notice The price now: the decayed last price, but never below `floor`.
    /// @param lastPrice Price stored after the last registration (or checkpoint).
    /// @param elapsed Blocks since `lastPrice` was stored.
    /// @param halfLife Blocks for the price to halve (> 0, validated by the registry).
    /// @param floor The subnet's minimum burn.
    function current(
        uint256 lastPrice,
        uint256 elapsed,
        uint256 halfLife,
        uint256 floor
    ) internal pure returns (uint256) {
        uint256 decayed = decay(lastPrice, elapsed, halfLife);
        return decayed > floor ? decayed : floor;
    }

    /// @notice `price` decayed over `elapsed` blocks: whole halvings, then linear inside a half-life.
    function decay(uint256 price, uint256 elapsed, uint256 halfLife) internal pure returns (uint256) {
        uint256 halvings = elapsed / halfLife;
        if (halvings >= 256) return 0;
        uint256 p = price >> halvings;
        uint256 rest = elapsed % halfLife;
        if (rest == 0 || p == 0) return p;
        // rest < halfLife < 2^32, so the product overflows (checked: reverts) only for prices
        // above 2^224, far beyond any burnable supply. The subtracted term is < p - p/2 <= p.
        return p - ((p - (p >> 1)) * rest) / halfLife;
    }

    /// @notice The stored price after a registration that paid `paid`: paid * 1.26 (rounded down).
    function next(uint256 paid) internal pure returns (uint256) {
        return (paid * RISE_NUM) / RISE_DEN;
    }
}
