// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {YumaKernels} from "./YumaKernels.sol";
import {
    SubnetState,
    EpochRun,
    Params,
    ONE,
    STAGE_BONDS,
    STAGE_DIVIDENDS,
    V_STAKE_SHIFT,
    V_SUM_SHIFT,
    V_UPDATE_SHIFT,
    V_ROW_BIT,
    MASK32,
    MASK64,
    MASK96
} from "./ConsensusTypes.sol";

/// @notice The epoch's CONSENSUS stage (ALGORITHM.md steps 5, 6 and the rank total of step 8), in one
/// step over every column: masked row sums, the stake-weighted kappa-quantile of each column, and
/// the sum of ranks the BONDS chunks need to turn ranks into incentive. Runs by DELEGATECALL.
library EpochConsensusLib {
    /// @dev Working set in memory.
    struct Work {
        uint256 n;
        uint256 v;
        uint256 slots; // 16-UID slots covering n
        uint256[] meta; // validator words
        uint256[] stake; // s_k: active stake share (fixed)
        uint256[] rowSum; // masked row sum (0: the validator has no weights)
        uint256[] registered; // registration block per UID
        uint256[] rows; // masked raw rows, u16 x 16 per word: rows[k * 16 + t]
    }

    /// @notice Row sums, consensus of every UID (stored) and the rank total; moves to BONDS.
    function consensusStep(SubnetState storage st) external {
        EpochRun storage run = st.run;
        Work memory w;
        w.n = run.n;
        w.v = run.v;
        w.slots = (w.n + 15) >> 4;
        _loadValidators(st, w, run.activeTotal);
        _loadRows(st, w);

        uint256 voterStake;
        for (uint256 k = 0; k < w.v; ++k) voterStake += w.stake[k];
        Params memory p = run.params;
        // c_j: the smallest vote whose cumulative stake (votes <= it) x ONE exceeds voterStake x (1 - kappa),
        // i.e. reaches `need` = floor(voterStake x (ONE - kappa) / ONE) + 1.
        uint256 need = (voterStake * (ONE - p.kappa)) / ONE + 1;
        (uint256 rankTotal, bool anyConsensus) = _columns(st, w, voterStake, need, run.startBlock);
        run.rankTotal = rankTotal;
        run.liquid = p.liquidAlpha && _liquidInEffect(st, p, anyConsensus, w.n);
        run.cursor = 0;
        run.stage = w.n == 0 ? STAGE_DIVIDENDS : STAGE_BONDS;
    }

    /// @dev Validator words and active-stake shares s_k = S_k x ONE / AT.
    function _loadValidators(SubnetState storage st, Work memory w, uint256 activeTotal) private view {
        uint256 v = w.v;
        w.meta = new uint256[](v);
        w.stake = new uint256[](v);
        w.rowSum = new uint256[](v);
        for (uint256 k = 0; k < v; ++k) {
            uint256 word = st.validators[k];
            w.meta[k] = word;
            if (activeTotal != 0) w.stake[k] = (((word >> V_STAKE_SHIFT) & MASK96) * ONE) / activeTotal;
        }
        uint256 n = w.n;
        w.registered = new uint256[](n);
        for (uint256 j = 0; j < n; ++j) w.registered[j] = (st.registered[j >> 2] >> ((j & 3) << 6)) & MASK64;
    }

    /// @dev Loads each revealed row, drops the self-weight and the outdated entries (set no later than the
    /// miner's registration), and stores the masked row sum in the validator word.
    function _loadRows(SubnetState storage st, Work memory w) private {
        uint256 v = w.v;
        w.rows = new uint256[](v << 4);
        uint256 maxRegistered;
        for (uint256 j = 0; j < w.n; ++j) if (w.registered[j] > maxRegistered) maxRegistered = w.registered[j];
        for (uint256 k = 0; k < v; ++k) {
            uint256 word = w.meta[k];
            if ((word >> V_ROW_BIT) & 1 == 0) continue;
            uint256 uid = word & 0xffff;
            uint256 lastUpdate = (word >> V_UPDATE_SHIFT) & MASK64;
            uint256[16] storage row = st.weights[uint16(uid)];
            uint256 sum;
            for (uint256 t = 0; t < w.slots; ++t) {
                uint256 packed = row[t];
                if (packed == 0) continue;
                if (t == uid >> 4) packed &= ~(uint256(0xffff) << ((uid & 15) << 4));
                if (lastUpdate <= maxRegistered) packed = _dropOutdated(packed, t, w.registered, lastUpdate);
                w.rows[(k << 4) + t] = packed;
                sum += _laneSum(packed);
            }
            w.rowSum[k] = sum;
            uint256 updated = (word & ~(MASK32 << V_SUM_SHIFT)) | (sum << V_SUM_SHIFT);
            w.meta[k] = updated;
            if (updated != word) st.validators[k] = updated;
        }
    }

    /// @dev Clears the lanes of slot `t` whose UID registered at or after `lastUpdate`.
    function _dropOutdated(uint256 packed, uint256 t, uint256[] memory registered, uint256 lastUpdate)
        private
        pure
        returns (uint256)
    {
        uint256 n = registered.length;
        for (uint256 l = 0; l < 16; ++l) {
            uint256 j = (t << 4) + l;
            if (j >= n) break;
            if (registered[j] >= lastUpdate) packed &= ~(uint256(0xffff) << (l << 4));
        }
        return packed;
    }

    function _laneSum(uint256 packed) private pure returns (uint256 sum) {
        assembly ("memory-safe") {
            for {} packed { packed := shr(16, packed) } {
                sum := add(sum, and(packed, 0xffff))
            }
        }
    }

    /// @dev Consensus of every column (stored, u64 x 4 per slot) and the sum of ranks.
    function _columns(SubnetState storage st, Work memory w, uint256 voterStake, uint256 need, uint256 seed)
        private
        returns (uint256 rankTotal, bool anyConsensus)
    {
        uint256[] memory entries = new uint256[](w.v);
        uint256 packedC;
        for (uint256 j = 0; j < w.n; ++j) {
            uint256 c;
            if (voterStake != 0) {
                (uint256 count, uint256 total) = _gather(w, j, entries);
                uint256 zeroStake = voterStake - total; // voters voting 0 (or without weights)
                if (zeroStake < need && count != 0) {
                    uint256 ptr;
                    assembly ("memory-safe") {
                        ptr := add(entries, 32)
                    }
                    if (need > voterStake) c = _maxValue(ptr, count); // kappa == 0
                    else c = YumaKernels.quantileAsc(ptr, count, need - zeroStake, seed ^ (j << 64));
                    rankTotal += _rankOf(ptr, count, c);
                    if (c != 0) anyConsensus = true;
                }
            }
            packedC |= c << ((j & 3) << 6);
            if (j & 3 == 3 || j + 1 == w.n) {
                if (st.consensus[j >> 2] != packedC) st.consensus[j >> 2] = packedC;
                packedC = 0;
            }
        }
    }

    /// @dev Votes of column j: (weight << 128 | stake) for voters (s_k > 0) with a non-zero weight.
    function _gather(Work memory w, uint256 j, uint256[] memory entries)
        private
        pure
        returns (uint256 count, uint256 total)
    {
        uint256 v = w.v;
        uint256[] memory stake = w.stake;
        uint256[] memory rowSum = w.rowSum;
        uint256[] memory rows = w.rows;
        assembly ("memory-safe") {
            let out := add(entries, 32)
            let sh := shl(4, and(j, 15))
            let rowPtr := add(add(rows, 32), shl(5, shr(4, j)))
            for { let k := 0 } lt(k, v) { k := add(k, 1) } {
                let raw := and(shr(sh, mload(add(rowPtr, shl(9, k)))), 0xffff)
                if raw {
                    let s := mload(add(stake, shl(5, add(k, 1))))
                    if s {
                        // invariant: raw <= row sum, so the weight is <= ONE < 2^60; s <= ONE
                        let x := div(mul(raw, ONE), mload(add(rowSum, shl(5, add(k, 1)))))
                        if x {
                            mstore(add(out, shl(5, count)), or(shl(128, x), s))
                            count := add(count, 1)
                            total := add(total, s)
                        }
                    }
                }
            }
        }
    }

    function _maxValue(uint256 ptr, uint256 count) private pure returns (uint256 m) {
        assembly ("memory-safe") {
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                let x := shr(128, mload(add(ptr, shl(5, i))))
                if gt(x, m) { m := x }
            }
        }
    }

    /// @dev sum over the votes of min(weight, c) x stake (the column's rank, scale ONE^2).
    function _rankOf(uint256 ptr, uint256 count, uint256 c) private pure returns (uint256 r) {
        assembly ("memory-safe") {
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                let e := mload(add(ptr, shl(5, i)))
                let x := shr(128, e)
                if gt(x, c) { x := c }
                // invariant: x, stake <= ONE; at most 64 terms: no overflow
                r := add(r, mul(x, and(e, 0xffffffffffffffffffffffffffffffff)))
            }
        }
    }

    /// @dev Liquid alpha needs some non-zero consensus to compare with (ALGORITHM.md step 9).
    function _liquidInEffect(SubnetState storage st, Params memory p, bool anyCurrent, uint256 n)
        private
        view
        returns (bool)
    {
        uint256 mode = p.consensusMode;
        if (mode == 0) mode = p.bondsPenalty == ONE ? 2 : 1;
        if (mode == 1) return anyCurrent;
        if (mode == 3 && anyCurrent) return true;
        for (uint256 t = 0; t < (n + 15) >> 4; ++t) if (st.consensusU16[t] != 0) return true;
        return false;
    }
}
