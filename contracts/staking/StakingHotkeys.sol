// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IStaking} from "../interfaces/IStaking.sol";
import {StakingParams} from "./StakingParams.sol";

/// @notice Hotkeys of Staking: registration to an owner (coldkey) and the owner's take on dividends.
/// @dev A take raise is stored as pending with the block it applies from; the effective take is
/// computed on read (no keeper needed), and folded into `take` by the next change.
abstract contract StakingHotkeys is IStaking, StakingParams {
    struct Hotkey {
        // slot 0: read by every reward
        address owner;
        uint16 take; // basis points, effective until pendingTakeBlock
        uint16 pendingTake; // basis points, effective from pendingTakeBlock (0 block: none)
        uint64 pendingTakeBlock;
        // slot 1: the share pool
        uint128 pooled; // tokens in the pool (its stake)
        uint128 shares; // shares held by delegators
        // slot 2: rarely touched
        uint64 lastTakeRaiseBlock; // 0: never raised
    }

    /// @notice Default and maximum take, in basis points (18%).
    uint16 public constant MAX_TAKE = 1_800;
    uint256 internal constant BPS = 10_000;

    mapping(address hotkey => Hotkey) internal _hotkeys;

    event HotkeyRegistered(address indexed hotkey, address indexed owner, uint16 take);
    event TakeDecreased(address indexed hotkey, uint16 oldTake, uint16 newTake);
    event TakeIncreaseScheduled(address indexed hotkey, uint16 currentTake, uint16 newTake, uint64 effectiveBlock);

    error StakingHotkeyAlreadyRegistered(address hotkey, address owner);
    error StakingUnknownHotkey(address hotkey);
    error StakingNotHotkeyOwner(address hotkey, address caller);
    error StakingTakeTooHigh(uint16 take, uint16 max);
    error StakingTakeAboveCurrent(uint16 take, uint16 current);
    error StakingTakeNotHigher(uint16 take, uint16 current);
    error StakingTakeRaiseTooSoon(address hotkey, uint256 nextRaiseBlock);

    modifier onlyHotkeyOwner(address hotkey) {
        address owner = _hotkeys[hotkey].owner;
        if (owner == address(0)) revert StakingUnknownHotkey(hotkey);
        if (owner != msg.sender) revert StakingNotHotkeyOwner(hotkey, msg.sender);
        _;
    }

    /// @notice Registers the caller as a hotkey owned by `owner` (its coldkey), with the maximum take.
    /// Once registered, the owner cannot be changed.
    function registerHotkey(address owner) external {
        if (owner == address(0)) revert StakingZeroAddress();
        Hotkey storage h = _hotkeys[msg.sender];
        address existing = h.owner;
        if (existing != address(0)) revert StakingHotkeyAlreadyRegistered(msg.sender, existing);
        h.owner = owner;
        h.take = MAX_TAKE;
        emit HotkeyRegistered(msg.sender, owner, MAX_TAKE);
    }

    /// @notice Owner of `hotkey`: lowers its take at once, cancelling any pending raise.
    /// `take` equal to the current take only cancels a pending raise.
    function decreaseTake(address hotkey, uint16 take) external onlyHotkeyOwner(hotkey) {
        Hotkey storage h = _hotkeys[hotkey];
        uint16 current = _effectiveTake(h);
        if (take > current) revert StakingTakeAboveCurrent(take, current);
        h.take = take;
        h.pendingTake = 0;
        h.pendingTakeBlock = 0;
        emit TakeDecreased(hotkey, current, take);
    }

    /// @notice Owner of `hotkey`: raises its take to `take` (<= MAX_TAKE) from takeDelayBlocks blocks on.
    /// At most one raise per takeRaiseInterval blocks; a raise replaces any raise still pending.
    function increaseTake(address hotkey, uint16 take) external onlyHotkeyOwner(hotkey) {
        if (take > MAX_TAKE) revert StakingTakeTooHigh(take, MAX_TAKE);
        Hotkey storage h = _hotkeys[hotkey];
        uint16 current = _effectiveTake(h);
        if (take <= current) revert StakingTakeNotHigher(take, current);
        Params memory p = _params;
        uint256 last = h.lastTakeRaiseBlock;
        if (last != 0 && block.number < last + p.takeRaiseInterval) {
            revert StakingTakeRaiseTooSoon(hotkey, last + p.takeRaiseInterval);
        }
        uint64 effectiveBlock = uint64(block.number) + p.takeDelayBlocks;
        h.take = current;
        h.pendingTake = take;
        h.pendingTakeBlock = effectiveBlock;
        h.lastTakeRaiseBlock = uint64(block.number);
        emit TakeIncreaseScheduled(hotkey, current, take, effectiveBlock);
    }

    /// @notice The coldkey that owns `hotkey` (address(0) if the hotkey never registered).
    function ownerOf(address hotkey) external view returns (address) {
        return _hotkeys[hotkey].owner;
    }

    /// @notice The take of `hotkey` in force at this block, in basis points.
    function takeOf(address hotkey) external view returns (uint16) {
        return _effectiveTake(_hotkeys[hotkey]);
    }

    /// @notice A raise of `hotkey`'s take not yet in force: the new take and its first block (0, 0 if none).
    function pendingTakeOf(address hotkey) external view returns (uint16 take, uint64 effectiveBlock) {
        Hotkey storage h = _hotkeys[hotkey];
        if (h.pendingTakeBlock > block.number) return (h.pendingTake, h.pendingTakeBlock);
        return (0, 0);
    }

    /// @notice First block at which `hotkey`'s owner may raise its take again.
    function nextTakeRaiseBlock(address hotkey) external view returns (uint256) {
        uint256 last = _hotkeys[hotkey].lastTakeRaiseBlock;
        return last == 0 ? 0 : last + _params.takeRaiseInterval;
    }

    /// @dev The take in force now: the pending one once its block is reached.
    function _effectiveTake(Hotkey storage h) internal view returns (uint16) {
        uint64 pendingBlock = h.pendingTakeBlock;
        return pendingBlock != 0 && pendingBlock <= block.number ? h.pendingTake : h.take;
    }
}
