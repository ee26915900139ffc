// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {YumaKernels} from "./YumaKernels.sol";
import {
    SubnetState,
    EpochRun,
    Params,
    ONE,
    STAGE_BONDS,
    V_STAKE_SHIFT,
    V_SUM_SHIFT,
    V_UPDATE_SHIFT,
    V_SLOTS_SHIFT,
    MASK32,
    MASK64,
    MASK96,
    MASK128
} from "./ConsensusTypes.sol";

/// @notice The epoch's CONSENSUS stage over a chunk of column slots (ALGORITHM.md steps 5, 6 and the
/// rank total of step 8): each column's stake-weighted kappa-quantile of the voters' normalised weights
/// (stored), and the sum of the ranks (BONDS recomputes each rank with the clipped weights it needs
/// anyway). Runs by DELEGATECALL on the consensus storage.
/// @dev A column's quantile is looked for within a bracket guessed from a sample of its votes (usually a
/// few votes), else within the part of the votes that holds it. Either way the result is the value
/// ALGORITHM.md defines.
library EpochConsensusLib {
    /// @dev Working set of a chunk.
    struct Work {
        uint256 c0; // first column
        uint256 cols;
        uint256 t0; // first slot
        uint256 slots;
        uint256 voters; // validators with s_k > 0 and a non-empty masked row
        uint256 voterStake; // sum of s_k over validators with s_k > 0 (with a row or not)
        uint256 rowStake; // sum of s_k over the voters (with a non-empty row)
        uint256 need; // floor(voterStake x (ONE - kappa) / ONE) + 1
        uint256 seed;
        uint256[] voterRows; // masked raw weights, u16 x 16 per word: [i * slots + s]
        uint256[] voterInfo; // s_k << 128 | masked row sum, per voter
        uint256[] mid; // scratch: votes within the bracket
        uint256[] side; // scratch: votes below the bracket from the front, above it from the back
        uint256[] registered; // registration block per chunk column
        uint256[] maxRegistered; // per slot: the latest registration among its UIDs
    }

    /// @dev Votes of a column split by a bracket [lo, hi] (filled by _split; read by offset there).
    struct Split {
        uint256 belowStake; // 0x00
        uint256 belowRank; // 0x20 sum of weight x stake below
        uint256 midStake; // 0x40
        uint256 aboveStake; // 0x60
        uint256 belowEnd; // 0x80 address after the last vote below (they start at `side`)
        uint256 aboveStart; // 0xa0 address of the first vote above (they end at `side` + 32 x voters)
        uint256 midEnd; // 0xc0 address after the last vote within (they start at `mid`)
        uint256 lo; // 0xe0 bracket, inclusive
        uint256 hi; // 0x100
    }

    /// @notice Consensus and rank of column slots [t0, t1) (stored); moves to BONDS after the last chunk.
    function consensusStep(SubnetState storage st, uint256 t0, uint256 t1) external {
        EpochRun storage run = st.run;
        Work memory w = _setup(st, run, t0, t1);
        uint256 oldWord;
        uint256 cWord;
        uint256 rankTotal;
        bool anyConsensus;
        for (uint256 c = 0; c < w.cols; ++c) {
            uint256 j = w.c0 + c;
            if (j & 3 == 0) oldWord = st.consensus[j >> 2];
            uint256 cons;
            uint256 rank;
            if (w.voterStake != 0) (cons, rank) = _column(w, c);
            rankTotal += rank;
            if (cons != 0) anyConsensus = true;
            cWord |= cons << ((j & 3) << 6);
            if (j & 3 == 3 || c + 1 == w.cols) {
                if (cWord != oldWord) st.consensus[j >> 2] = cWord;
                cWord = 0;
            }
        }
        run.rankTotal = (t0 == 0 ? 0 : run.rankTotal) + rankTotal;
        if (anyConsensus) run.anyConsensus = true;
        else if (t0 == 0) run.anyConsensus = false;
        run.cursor = uint16(t1);
        if (w.c0 + w.cols == run.n) {
            Params memory p = run.params;
            run.liquid = p.liquidAlpha && _liquidInEffect(st, p, run.anyConsensus, run.n);
            run.cursor = 0;
            run.stage = STAGE_BONDS;
        }
    }

    function _setup(SubnetState storage st, EpochRun storage run, uint256 t0, uint256 t1)
        private
        view
        returns (Work memory w)
    {
        uint256 n = run.n;
        w.t0 = t0;
        w.slots = t1 - t0;
        w.c0 = t0 << 4;
        uint256 cEnd = t1 << 4;
        w.cols = (cEnd > n ? n : cEnd) - w.c0;
        w.seed = uint256(keccak256(abi.encode(run.startBlock, t0)));
        uint256 v = run.v;
        w.voterRows = new uint256[](v * w.slots);
        w.voterInfo = new uint256[](v);
        w.registered = new uint256[](w.cols);
        w.maxRegistered = new uint256[](w.slots);
        for (uint256 c = 0; c < w.cols; ++c) {
            uint256 j = w.c0 + c;
            uint256 reg = (st.registered[j >> 2] >> ((j & 3) << 6)) & MASK64;
            w.registered[c] = reg;
            if (reg > w.maxRegistered[c >> 4]) w.maxRegistered[c >> 4] = reg;
        }
        uint256 activeTotal = run.activeTotal;
        for (uint256 k = 0; k < v; ++k) {
            uint256 word = st.validators[k];
            uint256 s = activeTotal == 0 ? 0 : (((word >> V_STAKE_SHIFT) & MASK96) * ONE) / activeTotal;
            if (s == 0) continue;
            w.voterStake += s;
            uint256 sum = (word >> V_SUM_SHIFT) & MASK32;
            if (sum == 0) continue;
            uint256 i = w.voters++;
            w.rowStake += s;
            w.voterInfo[i] = (s << 128) | sum;
            _loadRow(st, w, word, i);
        }
        w.need = (w.voterStake * (ONE - run.params.kappa)) / ONE + 1;
        w.mid = new uint256[](w.voters);
        w.side = new uint256[](w.voters);
    }

    /// @dev Voter i's weights of the chunk without its self-weight and outdated entries (set no later
    /// than the miner's registration).
    function _loadRow(SubnetState storage st, Work memory w, uint256 word, uint256 i) private view {
        uint256 uid = word & 0xffff;
        uint256 lastUpdate = (word >> V_UPDATE_SHIFT) & MASK64;
        uint256[16] storage row = st.weights[uint16(uid)];
        uint256 mask = word >> V_SLOTS_SHIFT;
        for (uint256 s = 0; s < w.slots; ++s) {
            uint256 t = w.t0 + s;
            if ((mask >> t) & 1 == 0) continue; // an all-zero slot
            uint256 packed = row[t];
            if (packed == 0) continue;
            if (t == uid >> 4) packed &= ~(uint256(0xffff) << ((uid & 15) << 4));
            if (lastUpdate <= w.maxRegistered[s]) packed = _dropOutdated(w, packed, s, lastUpdate);
            w.voterRows[i * w.slots + s] = packed;
        }
    }

    /// @dev Clears the lanes of chunk slot s whose UID registered at or after `lastUpdate`.
    function _dropOutdated(Work memory w, uint256 packed, uint256 s, uint256 lastUpdate)
        private
        pure
        returns (uint256)
    {
        uint256 lanes = w.cols - (s << 4);
        if (lanes > 16) lanes = 16;
        for (uint256 l = 0; l < lanes; ++l) {
            if (w.registered[(s << 4) + l] >= lastUpdate) packed &= ~(uint256(0xffff) << (l << 4));
        }
        return packed;
    }

    /// @dev Consensus and rank of chunk column c: a bracket [lo, hi] guessed from a sample of the votes,
    /// one pass that computes every vote and splits the non-zero ones by the bracket, then a selection
    /// within the part that holds the quantile (usually the few votes within the bracket).
    function _column(Work memory w, uint256 c) private pure returns (uint256 cons, uint256 rank) {
        Split memory sp;
        _sampleBracket(w, c, sp);
        _gatherSplit(w, c, sp);
        uint256 nonZero = sp.belowStake + sp.midStake + sp.aboveStake;
        // voters voting 0 (or without weights) hold the rest of the stake
        if (w.voterStake - nonZero >= w.need || nonZero == 0) return (0, 0);
        uint256 side = _data(w.side);
        uint256 mid = _data(w.mid);
        uint256 sideEnd = side + (w.voters << 5);
        if (w.need > w.voterStake) {
            // kappa == 0: the largest vote
            cons = _maxValue(sp.aboveStart, sideEnd);
            if (cons == 0) cons = _maxValue(mid, sp.midEnd);
            if (cons == 0) cons = _maxValue(side, sp.belowEnd);
        } else {
            uint256 rest = w.need - (w.voterStake - nonZero);
            uint256 seed = w.seed ^ c;
            if (rest <= sp.belowStake) {
                cons = YumaKernels.quantileAsc(side, (sp.belowEnd - side) >> 5, rest, seed);
            } else if (rest <= sp.belowStake + sp.midStake) {
                cons = YumaKernels.quantileAsc(mid, (sp.midEnd - mid) >> 5, rest - sp.belowStake, seed);
                // every vote below is < cons <= every vote above
                return (cons, sp.belowRank + _rankOf(mid, sp.midEnd, cons) + cons * sp.aboveStake);
            } else {
                cons = YumaKernels.quantileAsc(
                    sp.aboveStart,
                    (sideEnd - sp.aboveStart) >> 5,
                    rest - sp.belowStake - sp.midStake,
                    seed
                );
            }
        }
        rank = _rankOf(side, sp.belowEnd, cons) + _rankOf(mid, sp.midEnd, cons) + _rankOf(sp.aboveStart, sideEnd, cons);
    }

    /// @dev Computes the weights of 9 voters spread over the list, sorts them and takes as the bracket the
    /// sampled values two places around the one where the sample's cumulative stake reaches the
    /// quantile's share. Only a guess: a wrong bracket costs gas, never correctness.
    function _sampleBracket(Work memory w, uint256 c, Split memory sp) private pure {
        uint256 voters = w.voters;
        if (voters < 24) {
            sp.lo = 0; // small column: everything within the bracket
            sp.hi = type(uint256).max;
            return;
        }
        uint256[9] memory sample;
        uint256 rows = _data(w.voterRows) + ((c >> 4) << 5);
        uint256 stride = w.slots << 5;
        uint256 info = _data(w.voterInfo);
        // the quantile's share of the voters' stake: (need - stake without a row) / stake with a row
        uint256 num = w.need > w.voterStake - w.rowStake ? w.need - (w.voterStake - w.rowStake) : 0;
        uint256 den = w.rowStake;
        assembly ("memory-safe") {
            let sh := shl(4, and(c, 15))
            for { let k := 0 } lt(k, 9) { k := add(k, 1) } {
                let i := div(add(mul(k, voters), shr(1, voters)), 9)
                let inf := mload(add(info, shl(5, i)))
                let raw := and(shr(sh, mload(add(rows, mul(i, stride)))), 0xffff)
                // invariant: raw <= row sum, so the weight is <= ONE
                let e := or(shl(128, div(mul(raw, ONE), and(inf, 0xffffffffffffffffffffffffffffffff))), shr(128, inf))
                let q := add(sample, shl(5, k))
                for {} and(gt(q, sample), gt(mload(sub(q, 32)), e)) { q := sub(q, 32) } {
                    mstore(q, mload(sub(q, 32)))
                }
                mstore(q, e)
            }
            let sampled := 0
            for { let k := 0 } lt(k, 9) { k := add(k, 1) } {
                sampled := add(sampled, and(mload(add(sample, shl(5, k))), 0xffffffffffffffffffffffffffffffff))
            }
            // first sampled vote whose cumulative stake x den reaches num x sampled (all <= ONE x 64)
            let target := mul(num, sampled)
            let cum := 0
            let t := 8
            for { let k := 0 } lt(k, 9) { k := add(k, 1) } {
                cum := add(cum, and(mload(add(sample, shl(5, k))), 0xffffffffffffffffffffffffffffffff))
                if iszero(lt(mul(cum, den), target)) {
                    t := k
                    break
                }
            }
            let lo := 0
            if gt(t, 1) { lo := shr(128, mload(add(sample, shl(5, sub(t, 2))))) }
            let hi := not(0)
            if lt(t, 7) { hi := shr(128, mload(add(sample, shl(5, add(t, 2))))) }
            mstore(add(sp, 0xe0), lo)
            mstore(add(sp, 0x100), hi)
        }
    }

    /// @dev One pass over the voters of chunk column c: weight x = raw x ONE / row sum; votes with x > 0 go
    /// below lo to the front of `side`, above hi to its back, within [lo, hi] to `mid`, with their stake
    /// sums (and the rank below: sum of x x stake).
    function _gatherSplit(Work memory w, uint256 c, Split memory sp) private pure {
        uint256 side = _data(w.side);
        sp.belowEnd = side;
        sp.aboveStart = side + (w.voters << 5);
        sp.midEnd = _data(w.mid);
        uint256 rows = _data(w.voterRows) + ((c >> 4) << 5);
        uint256 stride = w.slots << 5;
        _pass(rows, rows + stride * w.voters, stride, _data(w.voterInfo), _laneShift(c), sp);
        sp.aboveStake = _stakeOf(sp.aboveStart, side + (w.voters << 5));
    }

    function _laneShift(uint256 c) private pure returns (uint256) {
        return (c & 15) << 4;
    }

    function _pass(uint256 rows, uint256 end, uint256 stride, uint256 info, uint256 sh, Split memory sp) private pure {
        assembly ("memory-safe") {
            let bs := 0
            let ms := 0
            let below := mload(add(sp, 0x80))
            let above := mload(add(sp, 0xa0))
            let mid := mload(add(sp, 0xc0))
            for {} lt(rows, end) {
                rows := add(rows, stride)
                info := add(info, 32)
            } {
                let raw := and(shr(sh, mload(rows)), 0xffff)
                if raw {
                    let i := mload(info)
                    // invariant: raw is part of the row sum (low 128 bits): 0 < x <= ONE
                    let x := div(mul(raw, ONE), and(i, 0xffffffffffffffffffffffffffffffff))
                    i := shr(128, i) // the voter's stake
                    switch lt(x, mload(add(sp, 0xe0)))
                    case 1 {
                        mstore(below, or(shl(128, x), i))
                        below := add(below, 32)
                        bs := add(bs, i)
                        // invariant: x, stake <= ONE and at most 64 votes: no overflow
                        mstore(add(sp, 0x20), add(mload(add(sp, 0x20)), mul(x, i)))
                    }
                    default {
                        switch gt(x, mload(add(sp, 0x100)))
                        case 1 {
                            above := sub(above, 32)
                            mstore(above, or(shl(128, x), i))
                        }
                        default {
                            mstore(mid, or(shl(128, x), i))
                            mid := add(mid, 32)
                            ms := add(ms, i)
                        }
                    }
                }
            }
            mstore(sp, bs)
            mstore(add(sp, 0x40), ms)
            mstore(add(sp, 0x80), below)
            mstore(add(sp, 0xa0), above)
            mstore(add(sp, 0xc0), mid)
        }
    }

    function _stakeOf(uint256 ptr, uint256 end) private pure returns (uint256 total) {
        assembly ("memory-safe") {
            for {} lt(ptr, end) { ptr := add(ptr, 32) } {
                total := add(total, and(mload(ptr), 0xffffffffffffffffffffffffffffffff))
            }
        }
    }

    /// @dev The largest vote in [ptr, end) (0 when empty).
    function _maxValue(uint256 ptr, uint256 end) private pure returns (uint256 m) {
        assembly ("memory-safe") {
            for {} lt(ptr, end) { ptr := add(ptr, 32) } {
                let x := shr(128, mload(ptr))
                if gt(x, m) { m := x }
            }
        }
    }

    /// @dev Sum over the votes in [ptr, end) of min(weight, c) x stake (scale ONE^2).
    function _rankOf(uint256 ptr, uint256 end, uint256 c) private pure returns (uint256 r) {
        assembly ("memory-safe") {
            for {} lt(ptr, end) { ptr := add(ptr, 32) } {
                let e := mload(ptr)
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

    function _data(uint256[] memory a) private pure returns (uint256 ptr) {
        assembly ("memory-safe") {
            ptr := add(a, 32)
        }
    }
}
