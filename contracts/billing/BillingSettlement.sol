// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BillingEscrow} from "./BillingEscrow.sol";

/// @title BillingSettlement
/// @notice The token side of billing. Redemptions only book amounts; here they become real: `settle`
/// burns everything redeemed since the last settlement from this contract's balance, and every payout
/// settles first, then mints. So on the token, billing's mints never run ahead of its burns.
/// @dev Invariant: token.balanceOf(this) == sum of escrow balances + pendingBurn (plus anything sent here
/// by plain transfer). A settlement that moves the balance by anything but the amount burned reverts.
abstract contract BillingSettlement is BillingEscrow {
    /// @dev Tokens burned and minted by this contract, all time (uint128: far above the token's cap).
    struct Totals {
        uint128 burned;
        uint128 minted;
    }

    Totals internal _totals;

    event Settled(uint256 burned, uint256 totalBurned);
    event Claimed(address indexed account, address indexed to, uint256 amount);

    error BillingNothingToClaim(address account);
    error BillingInvalidRecipient(address to);
    error BillingAccountingDrift(uint256 expectedBalance, uint256 actualBalance);
    error BillingMintExceedsBurn(uint256 minted, uint256 burned);

    /// @notice Anyone: burns everything redeemed since the last settlement; returns the amount burned.
    function settle() external returns (uint256 burned) {
        return _settle();
    }

    /// @notice Anyone: mints the treasury's accrued share to `treasury`, settling pending burns first.
    function claimTreasury() external returns (uint256 amount) {
        amount = _ledger.treasuryCredit;
        address to = treasury;
        if (amount == 0) revert BillingNothingToClaim(to);
        _ledger.treasuryCredit = 0;
        _payOut(to, to, amount);
    }

    /// @notice Redeemed and not yet burned; the treasury's unclaimed share.
    function pending() external view returns (uint256 pendingBurn, uint256 treasuryCredit) {
        Ledger memory ledger = _ledger;
        return (ledger.pendingBurn, ledger.treasuryCredit);
    }

    /// @notice Tokens this contract has burned and minted, all time (minted <= burned).
    function totals() external view returns (uint256 burned, uint256 minted) {
        Totals memory t = _totals;
        return (t.burned, t.minted);
    }

    /// @dev Settles, then mints `amount` owed to `account` to `to`.
    function _payOut(address account, address to, uint256 amount) internal {
        _settle();
        _mint(to, amount);
        emit Claimed(account, to, amount);
    }

    /// @dev Burns `pendingBurn` from this contract's balance and checks the balance fell by exactly that.
    function _settle() internal returns (uint256 amount) {
        amount = _ledger.pendingBurn;
        if (amount == 0) return 0;
        _ledger.pendingBurn = 0;
        uint256 before = token.balanceOf(address(this));
        token.burn(amount);
        uint256 balanceAfter = token.balanceOf(address(this));
        if (balanceAfter + amount != before) revert BillingAccountingDrift(before - amount, balanceAfter);
        // amount <= pendingBurn < 2^88
        uint128 totalBurned = _totals.burned + uint128(amount);
        _totals.burned = totalBurned;
        emit Settled(amount, totalBurned);
    }

    /// @dev Mints `amount` to `to` after checking that billing's mints stay within its burns.
    function _mint(address to, uint256 amount) internal {
        if (to == address(0) || to == address(this)) revert BillingInvalidRecipient(to);
        Totals memory t = _totals;
        uint256 minted = t.minted + amount;
        if (minted > t.burned) revert BillingMintExceedsBurn(minted, t.burned);
        // minted <= burned < 2^128
        _totals.minted = uint128(minted);
        token.mint(to, amount);
    }
}
