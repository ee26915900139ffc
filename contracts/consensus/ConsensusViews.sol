// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ConsensusBase} from "./ConsensusBase.sol";
import {EpochPayLib} from "./EpochPayLib.sol";
import {
    SubnetState,
    EpochRun,
    EpochResult,
    V_STAKE_SHIFT,
    V_UPDATE_SHIFT,
    V_ACTIVE_BIT,
    MASK64,
    MASK96
} from "./ConsensusTypes.sol";

/// @notice What the apps read: epoch progress and the last epoch's results per UID.
/// @dev Per-UID results are those of the last epoch; while an epoch runs in chunks, the steps already
/// done show the running epoch's values (check epochStatus().stage == 0 for a settled view).
abstract contract ConsensusViews is ConsensusBase {
    /// @notice Where `netuid`'s epochs stand.
    /// @return number epochs started (the running one included)
    /// @return startBlock block at which the running or last epoch started
    /// @return stage 0 idle, 1 pass (consensus and bonds), 2 dividends, 3 pay
    /// @return cursor pass: next column slot (16 UIDs); pay: next UID
    /// @return neurons UIDs in the epoch's snapshot
    /// @return validatorCount permit holders whose rows the epoch processes
    function epochStatus(uint16 netuid)
        external
        view
        returns (uint64 number, uint64 startBlock, uint8 stage, uint16 cursor, uint16 neurons, uint8 validatorCount)
    {
        EpochRun storage run = _subnets[netuid].run;
        return (run.number, run.startBlock, run.stage, run.cursor, run.n, run.v);
    }

    /// @notice Totals of the last finished epoch.
    function lastEpoch(uint16 netuid) external view returns (EpochResult memory) {
        return _subnets[netuid].result;
    }

    /// @notice Permit bitmaps (bit u: UID u): `next` were computed by the last epoch start (they may commit
    /// weights and are the validators of the next epoch), `current` are the running/last epoch's.
    function permits(uint16 netuid) external view returns (uint256 next, uint256 current) {
        EpochRun storage run = _subnets[netuid].run;
        return (run.permits, run.inForce);
    }

    /// @notice Consensus weight of every UID (fixed point, 10^18 = 1).
    function consensus(uint16 netuid) external view returns (uint256[] memory out) {
        SubnetState storage st = _subnets[netuid];
        out = _unpack64(st.consensus, st.run.n);
    }

    /// @notice Consensus of UIDs 0..count-1 as stored for the next epoch's liquid alpha (u16, 65,535 = 1).
    function consensusU16(uint16 netuid, uint16 count) external view returns (uint16[] memory out) {
        SubnetState storage st = _subnets[netuid];
        out = new uint16[](count);
        for (uint256 j = 0; j < count; ++j) out[j] = uint16(st.consensusU16[j >> 4] >> ((j & 15) << 4));
    }

    /// @notice Incentive of every UID (fixed point; they sum to 10^18 minus rounding, or 0): its rank over
    /// the rank total.
    function incentives(uint16 netuid) external view returns (uint256[] memory out) {
        SubnetState storage st = _subnets[netuid];
        uint256 n = st.run.n;
        uint256 rankTotal = st.run.rankTotal;
        out = new uint256[](n);
        for (uint256 j = 0; j < n; ++j) out[j] = EpochPayLib.incentiveOf(st, j, rankTotal);
    }

    /// @notice The epoch's validators (permit holders, UID order) with their active stake (tokens, 0 when
    /// inactive), dividends (fixed point, summing to 10^18 minus rounding, or 0), activity and last update.
    function validators(uint16 netuid)
        external
        view
        returns (
            uint16[] memory uids,
            uint256[] memory activeStake,
            uint256[] memory dividends,
            bool[] memory active,
            uint64[] memory lastUpdate
        )
    {
        SubnetState storage st = _subnets[netuid];
        uint256 v = st.run.v;
        uids = new uint16[](v);
        activeStake = new uint256[](v);
        dividends = new uint256[](v);
        active = new bool[](v);
        lastUpdate = new uint64[](v);
        for (uint256 k = 0; k < v; ++k) {
            uint256 word = st.validators[k];
            uids[k] = uint16(word);
            activeStake[k] = (word >> V_STAKE_SHIFT) & MASK96;
            active[k] = (word >> V_ACTIVE_BIT) & 1 == 1;
            lastUpdate[k] = uint64(word >> V_UPDATE_SHIFT);
            dividends[k] = (st.dividends[k >> 2] >> ((k & 3) << 6)) & MASK64;
        }
    }

    /// @notice Tokens every UID earned in the last epoch, as a miner and as a validator.
    function emissions(uint16 netuid) external view returns (uint256[] memory miner, uint256[] memory validator) {
        SubnetState storage st = _subnets[netuid];
        return EpochPayLib.amounts(st, 0, st.run.n);
    }

    /// @notice `uid`'s bonds (u16, 65,535 = 1) to UIDs 0..count-1.
    function bondsRow(uint16 netuid, uint16 uid, uint16 count) external view returns (uint16[] memory row) {
        row = new uint16[](count);
        uint256[16] storage packed = _subnets[netuid].bonds[uid];
        for (uint256 j = 0; j < count; ++j) row[j] = uint16(packed[j >> 4] >> ((j & 15) << 4));
    }

    /// @notice Tokens held for `netuid` until its next epoch (rounding dust and unpaid shares).
    function carried(uint16 netuid) external view returns (uint256) {
        return _subnets[netuid].carry;
    }

    function _unpack64(uint256[64] storage packed, uint256 n) private view returns (uint256[] memory out) {
        out = new uint256[](n);
        for (uint256 j = 0; j < n; ++j) out[j] = (packed[j >> 2] >> ((j & 3) << 6)) & MASK64;
    }
}
