// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {INoosToken} from "../interfaces/INoosToken.sol";
import {StakingHotkeys} from "./StakingHotkeys.sol";
import {StakingParams} from "./StakingParams.sol";

/// @notice Rewards of Staking and its token ledger: epoch rewards into pools and claimable balances,
/// claims, and the totals that account for every token the contract holds.
/// @dev Invariant: token.balanceOf(this) == totalPooled + totalClaimable + totalThawing, exactly,
/// unless someone transfers tokens in directly (skim returns that excess).
abstract contract StakingRewards is StakingHotkeys {
    using SafeERC20 for INoosToken;
    using SafeCast for uint256;

    /// @notice Holders of REWARDER_ROLE (the epoch contract) pay rewards and credits.
    bytes32 public constant REWARDER_ROLE = keccak256("REWARDER_ROLE");

    /// @notice The staked token (NOOS).
    INoosToken public immutable token;

    /// @dev Claimable balance + 1 once an account has been credited (0: never credited). A claim leaves
    /// the 1 behind, so the next credit rewrites a non-zero slot (5,000 gas) instead of filling an empty
    /// one (22,100): on the epoch payout, whose owners claim often, that is most of the per-hotkey cost.
    mapping(address account => uint256) private _claimablePlusOne;

    uint128 internal _totalPooled;
    uint128 internal _totalClaimable;
    uint256 internal _totalThawing;

    event Distributed(address indexed hotkey, uint256 incentive, uint256 dividends, uint256 ownerTake);
    event Credited(address indexed account, uint256 amount);
    event Claimed(address indexed account, uint256 amount);
    event Skimmed(address indexed to, uint256 amount);

    error StakingLengthMismatch(uint256 hotkeys, uint256 incentives, uint256 dividends);
    error StakingNothingToClaim(address account);

    constructor(INoosToken token_, address admin) StakingParams(admin) {
        if (address(token_) == address(0)) revert StakingZeroAddress();
        token = token_;
    }

    /// @notice REWARDER_ROLE: pays `hotkey` its epoch rewards, pulling incentive + dividends from the caller.
    /// Incentive goes to the owner's claimable balance; of the dividends the owner gets the take and the
    /// pool the rest (all to the owner if the pool has no shares). An unregistered hotkey is its own owner.
    function distribute(address hotkey, uint256 incentive, uint256 dividends) external onlyRole(REWARDER_ROLE) {
        (uint256 toPool, uint256 toOwners) = _reward(hotkey, incentive, dividends);
        _addTotals(toPool, toOwners);
        token.safeTransferFrom(msg.sender, address(this), toPool + toOwners);
    }

    /// @notice REWARDER_ROLE: distribute for many hotkeys with one token transfer of the total.
    /// Entries with zero incentive and zero dividends are skipped.
    function distributeBatch(address[] calldata hotkeys, uint256[] calldata incentives, uint256[] calldata dividends)
        external
        onlyRole(REWARDER_ROLE)
    {
        uint256 n = hotkeys.length;
        if (incentives.length != n || dividends.length != n) {
            revert StakingLengthMismatch(n, incentives.length, dividends.length);
        }
        uint256 toPool;
        uint256 toOwners;
        for (uint256 i; i < n; ++i) {
            (uint256 pool, uint256 owners) = _reward(hotkeys[i], incentives[i], dividends[i]);
            toPool += pool;
            toOwners += owners;
        }
        _addTotals(toPool, toOwners);
        token.safeTransferFrom(msg.sender, address(this), toPool + toOwners);
    }

    /// @notice REWARDER_ROLE: credits `amount` (pulled from the caller) to `account`'s claimable balance.
    /// A zero amount does nothing.
    function credit(address account, uint256 amount) external onlyRole(REWARDER_ROLE) {
        if (account == address(0)) revert StakingZeroAddress();
        if (amount == 0) return;
        _credit(account, amount);
        _addTotals(0, amount);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Transfers the caller's whole claimable balance to the caller.
    function claim() external returns (uint256 amount) {
        uint256 stored = _claimablePlusOne[msg.sender];
        if (stored <= 1) revert StakingNothingToClaim(msg.sender);
        // unchecked: stored > 1
        unchecked {
            amount = stored - 1;
        }
        _claimablePlusOne[msg.sender] = 1;
        // unchecked: _totalClaimable is the sum of all claimable balances, so it is >= amount
        unchecked {
            _totalClaimable -= uint128(amount);
        }
        emit Claimed(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @notice DEFAULT_ADMIN_ROLE: sends `to` the tokens transferred in directly, outside any accounting.
    function skim(address to) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint256 amount) {
        if (to == address(0)) revert StakingZeroAddress();
        amount = token.balanceOf(address(this)) - _totalPooled - _totalClaimable - _totalThawing;
        emit Skimmed(to, amount);
        if (amount != 0) token.safeTransfer(to, amount);
    }

    /// @notice Tokens `account` may claim.
    function claimable(address account) external view returns (uint256) {
        uint256 stored = _claimablePlusOne[account];
        return stored == 0 ? 0 : stored - 1;
    }

    /// @notice Tokens in all share pools (all stake).
    function totalPooled() external view returns (uint256) {
        return _totalPooled;
    }

    /// @notice Tokens credited and not yet claimed.
    function totalClaimable() external view returns (uint256) {
        return _totalClaimable;
    }

    /// @notice Tokens undelegated and not yet withdrawn.
    function totalThawing() external view returns (uint256) {
        return _totalThawing;
    }

    /// @notice The three totals at once: their sum is the contract's token balance.
    function totals() external view returns (uint256 pooled, uint256 claimable_, uint256 thawing) {
        return (_totalPooled, _totalClaimable, _totalThawing);
    }

    /// @dev Books one hotkey's rewards; the caller adds the returned amounts to the totals and pulls them.
    function _reward(address hotkey, uint256 incentive, uint256 dividends)
        internal
        returns (uint256 toPool, uint256 toOwner)
    {
        if (incentive == 0 && dividends == 0) return (0, 0);
        Hotkey storage h = _hotkeys[hotkey];
        address owner = h.owner;
        if (owner == address(0)) owner = hotkey; // unregistered (so no pool shares): the hotkey claims itself
        uint256 ownerTake;
        if (dividends != 0) {
            ownerTake = h.shares == 0 ? dividends : (dividends * _effectiveTake(h)) / BPS;
            // unchecked: ownerTake <= dividends (take <= BPS)
            unchecked {
                toPool = dividends - ownerTake;
            }
            if (toPool != 0) h.pooled = (h.pooled + toPool).toUint128();
        }
        toOwner = incentive + ownerTake;
        if (toOwner != 0) _addClaimable(owner, toOwner);
        emit Distributed(hotkey, incentive, dividends, ownerTake);
    }

    /// @dev Adds `amount` to `account`'s claimable balance (totals are the caller's job).
    function _credit(address account, uint256 amount) internal {
        _addClaimable(account, amount);
        emit Credited(account, amount);
    }

    function _addClaimable(address account, uint256 amount) internal {
        uint256 stored = _claimablePlusOne[account];
        _claimablePlusOne[account] = stored == 0 ? amount + 1 : stored + amount;
    }

    function _addTotals(uint256 toPool, uint256 toClaimable) internal {
        if (toPool != 0) _totalPooled = (_totalPooled + toPool).toUint128();
        if (toClaimable != 0) _totalClaimable = (_totalClaimable + toClaimable).toUint128();
    }
}
