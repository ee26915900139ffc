// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {INoosToken} from "../interfaces/INoosToken.sol";
import {SharePoolMath} from "./lib/SharePoolMath.sol";
import {ThawQueue} from "./lib/ThawQueue.sol";
import {StakingRewards} from "./StakingRewards.sol";

/// @title Staking
/// @notice Stake on hotkeys. Each hotkey has a share pool anyone may delegate to (its owner too, by the
/// same path); rewards raise the value of a share, so delegators compound with no per-epoch work.
/// Undelegating burns shares into a thaw request that can be withdrawn after a cooldown.
contract Staking is StakingRewards {
    using SafeERC20 for INoosToken;
    using SafeCast for uint256;
    using ThawQueue for ThawQueue.Queue;

    mapping(address hotkey => mapping(address account => uint256)) internal _shares;
    mapping(address account => ThawQueue.Queue) internal _thaws;

    event Delegated(address indexed hotkey, address indexed account, uint256 amount, uint256 shares);
    event Undelegated(
        address indexed hotkey,
        address indexed account,
        uint256 shares,
        uint256 amount,
        uint256 requestId,
        uint256 readyBlock
    );
    event Withdrawn(address indexed account, uint256 amount, uint256 requests);

    error StakingZeroAmount();
    error StakingBelowMinDelegation(uint256 amount, uint256 min);
    error StakingZeroShares(uint256 amount);
    error StakingSlippage(uint256 out, uint256 minOut);
    error StakingInsufficientShares(uint256 shares, uint256 needed);
    error StakingNothingToWithdraw(address account);

    /// @notice `admin` gets DEFAULT_ADMIN_ROLE and PARAMS_ROLE (hand both to the DAO timelock after setup).
    constructor(INoosToken token_, address admin) StakingRewards(token_, admin) {}

    /// @notice Delegates `amount` (pulled from the caller, >= minDelegation) to registered `hotkey`,
    /// minting pool shares to the caller; reverts if fewer than `minSharesOut` shares would be minted.
    function delegate(address hotkey, uint256 amount, uint256 minSharesOut) external returns (uint256 shares) {
        Hotkey storage h = _hotkeys[hotkey];
        if (h.owner == address(0)) revert StakingUnknownHotkey(hotkey);
        uint256 min = _params.minDelegation;
        if (amount == 0) revert StakingZeroAmount();
        if (amount < min) revert StakingBelowMinDelegation(amount, min);
        uint256 pooled = h.pooled;
        uint256 totalShares = h.shares;
        shares = SharePoolMath.toShares(amount, pooled, totalShares);
        if (shares == 0) revert StakingZeroShares(amount);
        if (shares < minSharesOut) revert StakingSlippage(shares, minSharesOut);
        h.pooled = (pooled + amount).toUint128();
        h.shares = (totalShares + shares).toUint128();
        _shares[hotkey][msg.sender] += shares;
        _totalPooled = (_totalPooled + amount).toUint128();
        emit Delegated(hotkey, msg.sender, amount, shares);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Burns `shares` of the caller's shares in `hotkey`'s pool into a thaw request, withdrawable
    /// unstakeCooldownBlocks later; reverts if it is worth less than `minAmountOut`. A partial
    /// undelegation must leave a position worth at least minDelegation.
    function undelegate(address hotkey, uint256 shares, uint256 minAmountOut)
        external
        returns (uint256 amount, uint256 requestId)
    {
        if (shares == 0) revert StakingZeroAmount();
        uint256 held = _shares[hotkey][msg.sender];
        if (shares > held) revert StakingInsufficientShares(held, shares);
        Hotkey storage h = _hotkeys[hotkey];
        uint256 pooled = h.pooled;
        uint256 totalShares = h.shares;
        amount = SharePoolMath.toAssets(shares, pooled, totalShares);
        if (amount == 0) revert StakingZeroAmount();
        if (amount < minAmountOut) revert StakingSlippage(amount, minAmountOut);
        Params memory p = _params;
        // unchecked: shares <= held <= totalShares; amount <= pooled because totalShares never exceeds
        // VIRTUAL_SHARES x pooled (SharePoolMath), so a share is worth at most pooled / totalShares
        unchecked {
            held -= shares;
            pooled -= amount;
            totalShares -= shares;
        }
        if (held != 0) {
            uint256 left = SharePoolMath.toAssets(held, pooled, totalShares);
            if (left < p.minDelegation) revert StakingBelowMinDelegation(left, p.minDelegation);
        }
        _shares[hotkey][msg.sender] = held;
        h.pooled = uint128(pooled); // smaller than before
        h.shares = uint128(totalShares); // smaller than before
        // unchecked: amount <= pooled <= _totalPooled
        unchecked {
            _totalPooled -= uint128(amount);
        }
        _totalThawing += amount;
        uint64 readyBlock = uint64(block.number) + p.unstakeCooldownBlocks;
        requestId = _thaws[msg.sender].push(uint128(amount), readyBlock);
        emit Undelegated(hotkey, msg.sender, shares, amount, requestId, readyBlock);
    }

    /// @notice Withdraws the caller's ready thaw requests, oldest first, at most `maxRequests` of them,
    /// stopping at the first one not ready; transfers their sum to the caller.
    function withdraw(uint256 maxRequests) external returns (uint256 amount, uint256 requests) {
        (amount, requests) = _thaws[msg.sender].popReady(maxRequests, block.number);
        if (requests == 0) revert StakingNothingToWithdraw(msg.sender);
        _totalThawing -= amount;
        emit Withdrawn(msg.sender, amount, requests);
        token.safeTransfer(msg.sender, amount);
    }

    /// @notice Total stake backing `hotkey`: its pool's value.
    function stakeOf(address hotkey) external view returns (uint256) {
        return _hotkeys[hotkey].pooled;
    }

    /// @notice stakeOf of every hotkey at once (the consensus contract snapshots a whole subnet with it).
    function stakesOf(address[] calldata hotkeys) external view returns (uint256[] memory stakes) {
        uint256 n = hotkeys.length;
        stakes = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            stakes[i] = _hotkeys[hotkeys[i]].pooled;
        }
    }

    /// @notice Tokens and shares in `hotkey`'s pool.
    function poolOf(address hotkey) external view returns (uint256 pooled, uint256 shares) {
        Hotkey storage h = _hotkeys[hotkey];
        return (h.pooled, h.shares);
    }

    /// @notice Shares `account` holds in `hotkey`'s pool.
    function sharesOf(address hotkey, address account) external view returns (uint256) {
        return _shares[hotkey][account];
    }

    /// @notice What `account`'s shares in `hotkey`'s pool would undelegate for now.
    /// @dev Not named `valueOf`: that name is shadowed by Object.prototype.valueOf in JavaScript clients.
    function delegationValueOf(address hotkey, address account) external view returns (uint256) {
        Hotkey storage h = _hotkeys[hotkey];
        return SharePoolMath.toAssets(_shares[hotkey][account], h.pooled, h.shares);
    }

    /// @notice Shares a delegation of `amount` to `hotkey` would mint now (ignores minDelegation).
    function previewDelegate(address hotkey, uint256 amount) external view returns (uint256) {
        Hotkey storage h = _hotkeys[hotkey];
        return SharePoolMath.toShares(amount, h.pooled, h.shares);
    }

    /// @notice Tokens undelegating `shares` from `hotkey`'s pool would yield now.
    function previewUndelegate(address hotkey, uint256 shares) external view returns (uint256) {
        Hotkey storage h = _hotkeys[hotkey];
        return SharePoolMath.toAssets(shares, h.pooled, h.shares);
    }

    /// @notice Ids of `account`'s pending thaw requests: [head, tail).
    function thawQueueOf(address account) external view returns (uint256 head, uint256 tail) {
        ThawQueue.Queue storage q = _thaws[account];
        return (q.head, q.tail);
    }

    /// @notice Up to `limit` of `account`'s pending thaw requests from the `offset`-th pending one, oldest first.
    function thawRequestsOf(address account, uint256 offset, uint256 limit)
        external
        view
        returns (ThawQueue.Request[] memory requests)
    {
        ThawQueue.Queue storage q = _thaws[account];
        uint256 pending = q.tail - q.head;
        if (offset >= pending) return requests;
        uint256 n = pending - offset < limit ? pending - offset : limit;
        requests = new ThawQueue.Request[](n);
        uint256 first = q.head + offset;
        for (uint256 i; i < n; ++i) {
            requests[i] = q.requests[first + i];
        }
    }

    /// @notice What withdraw(`maxRequests`) by `account` would pay now, and how many requests it would process.
    function withdrawable(address account, uint256 maxRequests)
        external
        view
        returns (uint256 amount, uint256 requests)
    {
        return _thaws[account].peekReady(maxRequests, block.number);
    }
}
