// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ConsensusBase} from "./ConsensusBase.sol";
import {HotkeySnapshot} from "./HotkeySnapshot.sol";
import {SubnetState, EpochRun, Commit, RowMeta, Params, STAGE_IDLE, U16} from "./ConsensusTypes.sol";

/// @notice Commit-reveal of validator weights. A validator holding a permit (from the last epoch)
/// commits keccak256(abi.encode(netuid, hotkey, uids, weights, salt, versionKey)) and reveals it
/// during the next epoch (after the next epoch has run and before the one after starts), so the
/// consensus a copier could see is always two epochs old when its copy counts.
/// @dev Reveals are refused while an epoch of the subnet is being processed in chunks (the chunks
/// read the rows); commits only touch the commitment and stay open.
abstract contract WeightsLedger is ConsensusBase {
    event WeightsCommitted(uint16 indexed netuid, uint16 indexed uid, address indexed hotkey, bytes32 hash, uint64 epoch);
    /// @dev The row itself is readable with weightsRow (logging it would cost ~130k gas for 256 UIDs).
    event WeightsRevealed(
        uint16 indexed netuid,
        uint16 indexed uid,
        address indexed hotkey,
        bytes32 hash,
        uint256 entries,
        uint64 versionKey
    );

    error WeightsNotRegistered(uint16 netuid, address hotkey);
    error WeightsNoPermit(uint16 netuid, uint16 uid);
    error WeightsRateLimited(uint16 netuid, uint16 uid, uint256 nextBlock);
    error WeightsNoCommit(uint16 netuid, uint16 uid);
    error WeightsRevealTooEarly(uint16 netuid, uint16 uid, uint64 commitEpoch);
    error WeightsRevealTooLate(uint16 netuid, uint16 uid, uint64 commitEpoch, uint64 currentEpoch);
    error WeightsHashMismatch(uint16 netuid, uint16 uid, bytes32 committed, bytes32 revealed);
    error WeightsEpochInProgress(uint16 netuid, uint64 epoch);
    error WeightsVersionTooLow(uint64 versionKey, uint64 required);
    error WeightsLengthMismatch(uint256 uids, uint256 weights);
    error WeightsDuplicateUid(uint16 uid);
    error WeightsUnsortedUids(uint256 index, uint16 uid, uint16 previous);
    error WeightsUidOutOfRange(uint16 uid, uint16 neuronCount);
    error WeightsNotNormalisable(uint16 netuid);
    error WeightsOverMaxWeight(uint16 uid, uint16 weight, uint256 sum, uint16 maxWeight);

    /// @notice Commits the caller's (a permit holder's hotkey) next weights. Replaces an unrevealed commit.
    /// @param commitHash keccak256(abi.encode(uint16 netuid, address hotkey, uint16[] uids, uint16[] weights,
    /// bytes32 salt, uint64 versionKey))
    function commitWeights(uint16 netuid, bytes32 commitHash) external {
        uint16 uid = _uidOfCaller(netuid);
        SubnetState storage st = _subnets[netuid];
        EpochRun storage run = st.run;
        if ((run.permits >> uid) & 1 == 0 || HotkeySnapshot.hotkeyOf(st.hotkeys, uid) != msg.sender) {
            revert WeightsNoPermit(netuid, uid);
        }
        Commit storage c = st.commits[uid];
        uint256 limit = _paramsOf(netuid).weightsRateLimit;
        if (c.commitBlock != 0 && block.number < c.commitBlock + limit) {
            revert WeightsRateLimited(netuid, uid, c.commitBlock + limit);
        }
        uint64 epoch = run.number;
        c.hash = commitHash;
        c.epoch = epoch;
        c.commitBlock = uint64(block.number);
        emit WeightsCommitted(netuid, uid, msg.sender, commitHash, epoch);
    }

    /// @notice Reveals the caller's commitment and stores the row the next epochs use.
    /// @param uids strictly increasing UIDs below the subnet's neuron count
    /// @param weights u16 weights (any scale: the epoch normalises each row), not all zero
    function revealWeights(
        uint16 netuid,
        uint16[] calldata uids,
        uint16[] calldata weights,
        bytes32 salt,
        uint64 versionKey
    ) external {
        uint16 uid = _uidOfCaller(netuid);
        bytes32 revealed = keccak256(abi.encode(netuid, msg.sender, uids, weights, salt, versionKey));
        uint16 maxWeight = _consumeCommit(netuid, uid, revealed, versionKey);
        _storeRow(netuid, uid, uids, weights, maxWeight);
        emit WeightsRevealed(netuid, uid, msg.sender, revealed, uids.length, versionKey);
    }

    /// @notice The pending commitment of `uid` (hash zero when none).
    function commitOf(uint16 netuid, uint16 uid) external view returns (Commit memory) {
        return _subnets[netuid].commits[uid];
    }

    /// @notice Metadata of `uid`'s latest revealed row.
    function rowMetaOf(uint16 netuid, uint16 uid) external view returns (RowMeta memory) {
        return _subnets[netuid].rowMeta[uid];
    }

    /// @notice `uid`'s latest revealed row as stored: u16 weights of UIDs 0..count-1.
    function weightsRow(uint16 netuid, uint16 uid, uint16 count) external view returns (uint16[] memory row) {
        row = new uint16[](count);
        uint256[16] storage packed = _subnets[netuid].weights[uid];
        for (uint256 j = 0; j < count; ++j) row[j] = uint16(packed[j >> 4] >> ((j & 15) << 4));
    }

    /// @dev Checks the reveal against `uid`'s commitment (window, hash, version) and clears it; returns the
    /// subnet's max weight.
    function _consumeCommit(uint16 netuid, uint16 uid, bytes32 revealed, uint64 versionKey)
        internal
        returns (uint16 maxWeight)
    {
        SubnetState storage st = _subnets[netuid];
        Commit storage c = st.commits[uid];
        bytes32 committed = c.hash;
        if (committed == bytes32(0)) revert WeightsNoCommit(netuid, uid);
        EpochRun storage run = st.run;
        uint64 current = run.number;
        if (run.stage != STAGE_IDLE) revert WeightsEpochInProgress(netuid, current);
        uint64 commitEpoch = c.epoch;
        if (current <= commitEpoch) revert WeightsRevealTooEarly(netuid, uid, commitEpoch);
        if (current > commitEpoch + 1) revert WeightsRevealTooLate(netuid, uid, commitEpoch, current);
        if (revealed != committed) revert WeightsHashMismatch(netuid, uid, committed, revealed);
        Params memory p = _paramsOf(netuid);
        if (versionKey < p.versionKey) revert WeightsVersionTooLow(versionKey, p.versionKey);
        delete c.hash;
        return p.maxWeight;
    }

    /// @dev Validates a revealed row and writes it packed (16 u16 per slot), clearing what the old row
    /// had beyond the new one.
    function _storeRow(
        uint16 netuid,
        uint16 uid,
        uint16[] calldata uids,
        uint16[] calldata weights,
        uint16 maxWeight
    ) internal {
        (uint256 sum, uint256 own) = _validateRow(netuid, uid, uids, weights, maxWeight);
        SubnetState storage st = _subnets[netuid];
        RowMeta storage meta = st.rowMeta[uid];
        uint256 newSpan = (uint256(uids[uids.length - 1]) >> 4) + 1;
        uint256 slots = _writeRow(st.weights[uid], uids, weights, newSpan > meta.span ? newSpan : meta.span);
        meta.setBlock = uint64(block.number);
        meta.holderRegisteredAt = subnets.registeredAt(netuid, uid);
        meta.sum = uint32(sum);
        meta.span = uint16(newSpan);
        meta.slots = uint16(slots);
        meta.ownWeight = uint16(own);
    }

    /// @dev Sorted, in range, not all zero, no weight above the subnet's max share; returns the sum and
    /// the weight on `self` (the revealing UID). Reads calldata directly; an element that is not a u16
    /// reverts as the ABI decoder would.
    function _validateRow(
        uint16 netuid,
        uint16 self,
        uint16[] calldata uids,
        uint16[] calldata weights,
        uint16 maxWeight
    ) internal view returns (uint256 sum, uint256 own) {
        uint256 len = uids.length;
        if (len != weights.length) revert WeightsLengthMismatch(len, weights.length);
        uint16 count = subnets.neuronCount(netuid);
        uint256 bad; // 1 + index of the first UID out of range or not above its predecessor (0: none)
        assembly ("memory-safe") {
            let prev := 0
            for { let i := 0 } lt(i, len) { i := add(i, 1) } {
                let u := calldataload(add(uids.offset, shl(5, i)))
                let x := calldataload(add(weights.offset, shl(5, i)))
                if gt(or(u, x), 0xffff) { revert(0, 0) }
                if or(iszero(lt(u, count)), and(gt(i, 0), iszero(gt(u, prev)))) {
                    bad := add(i, 1)
                    break
                }
                // invariant: fewer than 2^16 UIDs of u16 weights: the sum stays below 2^32
                sum := add(sum, x)
                if eq(u, self) { own := x }
                prev := u
            }
        }
        if (bad != 0) _revertBadUid(uids, bad - 1, count);
        if (sum == 0) revert WeightsNotNormalisable(netuid);
        if (maxWeight == U16) return (sum, own);
        for (uint256 i = 0; i < len; ++i) {
            if (uint256(weights[i]) * U16 > uint256(maxWeight) * sum) {
                revert WeightsOverMaxWeight(uids[i], weights[i], sum, maxWeight);
            }
        }
    }

    function _revertBadUid(uint16[] calldata uids, uint256 i, uint16 count) private pure {
        uint16 u = uids[i];
        if (u >= count) revert WeightsUidOutOfRange(u, count);
        uint16 prev = uids[i - 1];
        if (u == prev) revert WeightsDuplicateUid(u);
        revert WeightsUnsortedUids(i, u, prev);
    }

    /// @dev Writes slots [0, span): slot t packs the weights of UIDs 16t..16t+15 (zero where absent);
    /// returns the mask of the non-zero slots.
    function _writeRow(uint256[16] storage row, uint16[] calldata uids, uint16[] calldata weights, uint256 span)
        internal
        returns (uint256 slots)
    {
        uint256 len = uids.length;
        assembly ("memory-safe") {
            let base := row.slot
            let i := 0
            for { let t := 0 } lt(t, span) { t := add(t, 1) } {
                let word := 0
                for {} lt(i, len) { i := add(i, 1) } {
                    let u := calldataload(add(uids.offset, shl(5, i)))
                    if iszero(eq(shr(4, u), t)) { break }
                    word := or(word, shl(shl(4, and(u, 15)), calldataload(add(weights.offset, shl(5, i)))))
                }
                sstore(add(base, t), word)
                if word { slots := or(slots, shl(t, 1)) }
            }
        }
    }

    function _uidOfCaller(uint16 netuid) internal view returns (uint16) {
        if (!subnets.isRegistered(netuid, msg.sender)) revert WeightsNotRegistered(netuid, msg.sender);
        return subnets.uidOf(netuid, msg.sender);
    }
}
