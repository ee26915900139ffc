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
    MASK32,
    MASK64,
    MASK96,
    MASK128
} from "./ConsensusTypes.sol";

/// @notice The epoch's CONSENSUS stage over a chunk of column slots (ALGORITHM.md steps 5, 6 and the
/// ranks of step 8): each column's stake-weighted kappa-quantile of the voters' normalised weights, and
/// its rank. Runs by DELEGATECALL on the consensus storage.
/// @dev A column's quantile is first looked for within +-1/32 of the previous epoch's consensus (in a
/// settled subnet it is there, and the selection runs on a few votes); otherwise within the part of the
/// votes that holds it. Either way the result is the value ALGORITHM.md defines.
library EpochConsensusLib {
    /// @dev Working set of a chunk.
    struct Work {
        uint256 c0; // first column
        uint256 cols;
        uint256 t0; // first slot
        uint256 slots;
        uint256 voters; // validators with s_k > 0 and a non-empty masked row
        uint256 voterStake; // sum of s_k over validators with s_k > 0 (with a row or not)
        uint256 need; // floor(voterStake x (ONE - kappa) / ONE) + 1
        uint256 seed;
        uint256[] voterRows; // masked raw weights, u16 x 16 per word: [i * slots + s]
        uint256[] voterInfo; // s_k << 128 | masked row sum, per voter
        uint256[] entries; // scratch: votes of a column, (weight << 128 | stake)
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
        uint256 rWord;
        uint256 rankTotal;
        bool anyConsensus;
        for (uint256 c = 0; c < w.cols; ++c) {
            uint256 j = w.c0 + c;
            if (j & 3 == 0) oldWord = st.consensus[j >> 2];
            uint256 cons;
            uint256 rank;
            if (w.voterStake != 0) (cons, rank) = _column(w, c, (oldWord >> ((j & 3) << 6)) & MASK64);
            rankTotal += rank;
            if (cons != 0) anyConsensus = true;
            cWord |= cons << ((j & 3) << 6);
            if (j & 3 == 3 || c + 1 == w.cols) {
                if (cWord != oldWord) st.consensus[j >> 2] = cWord;
                cWord = 0;
            }
            // invariant: rank <= ONE^2 < 2^120 fits a u128 lane
            rWord |= rank << ((j & 1) << 7);
            if (j & 1 == 1 || c + 1 == w.cols) {
                if (st.ranks[j >> 1] != rWord) st.ranks[j >> 1] = rWord;
                rWord = 0;
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
            w.voterInfo[i] = (s << 128) | sum;
            _loadRow(st, w, word, i);
        }
        w.need = (w.voterStake * (ONE - run.params.kappa)) / ONE + 1;
        w.entries = new uint256[](w.voters);
        w.mid = new uint256[](w.voters);
        w.side = new uint256[](w.voters);
    }

    /// @dev Voter i's weights of the chunk without its self-weight and outdated entries (set no later
    /// than the miner's registration).
    function _loadRow(SubnetState storage st, Work memory w, uint256 word, uint256 i) private view {
        uint256 uid = word & 0xffff;
        uint256 lastUpdate = (word >> V_UPDATE_SHIFT) & MASK64;
        uint256[16] storage row = st.weights[uint16(uid)];
        for (uint256 s = 0; s < w.slots; ++s) {
            uint256 t = w.t0 + s;
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

    /// @dev Consensus and rank of chunk column c; `prev` is its consensus of the previous epoch.
    function _column(Work memory w, uint256 c, uint256 prev) private pure returns (uint256 cons, uint256 rank) {
        uint256 ePtr = _data(w.entries);
        uint256 count;
        uint256 rest; // stake the quantile needs among the non-zero votes; 0 when kappa == 0
        {
            uint256 total;
            (count, total) = _gather(w, c, ePtr);
            uint256 zeroStake = w.voterStake - total; // voters voting 0 (or without weights)
            if (zeroStake >= w.need || count == 0) return (0, 0);
            if (w.need <= w.voterStake) rest = w.need - zeroStake;
        }
        if (rest == 0) {
            cons = _maxValue(ePtr, count); // kappa == 0
            return (cons, _rankOf(ePtr, count, cons));
        }
        if (prev == 0) {
            cons = YumaKernels.quantileAsc(ePtr, count, rest, w.seed ^ c);
            return (cons, _rankOf(ePtr, count, cons));
        }
        return _bracketed(w, count, rest, prev, w.seed ^ c);
    }

    /// @dev Splits the votes by [prev - prev/32, prev + prev/32] and selects within the part that holds
    /// the quantile; the rank is exact from the split's sums when the quantile is within the bracket.
    function _bracketed(Work memory w, uint256 count, uint256 rest, uint256 prev, uint256 seed)
        private
        pure
        returns (uint256 cons, uint256 rank)
    {
        Split memory sp;
        uint256 ePtr = _data(w.entries);
        uint256 side = _data(w.side);
        uint256 mid = _data(w.mid);
        sp.lo = prev - (prev >> 5);
        sp.hi = prev + (prev >> 5);
        _split(ePtr, count, side, mid, sp);
        if (rest <= sp.belowStake) {
            cons = YumaKernels.quantileAsc(side, (sp.belowEnd - side) >> 5, rest, seed);
        } else if (rest <= sp.belowStake + sp.midStake) {
            cons = YumaKernels.quantileAsc(mid, (sp.midEnd - mid) >> 5, rest - sp.belowStake, seed);
            // every vote below is < cons <= every vote above
            return (cons, sp.belowRank + _rankOf(mid, (sp.midEnd - mid) >> 5, cons) + cons * sp.aboveStake);
        } else {
            uint256 above = (side + (count << 5) - sp.aboveStart) >> 5;
            cons = YumaKernels.quantileAsc(sp.aboveStart, above, rest - sp.belowStake - sp.midStake, seed);
        }
        rank = _rankOf(ePtr, count, cons);
    }

    /// @dev One pass over the votes: below lo to the front of `side`, above hi to the back, within to `mid`.
    function _split(uint256 ePtr, uint256 count, uint256 side, uint256 mid, Split memory sp) private pure {
        uint256 sideEnd = side + (count << 5);
        assembly ("memory-safe") {
            let lo := mload(add(sp, 0xe0))
            let hi := mload(add(sp, 0x100))
            let end := add(ePtr, shl(5, count))
            let below := side
            let above := sideEnd
            let within := mid
            let bs := 0
            let br := 0
            let ms := 0
            for {} lt(ePtr, end) { ePtr := add(ePtr, 32) } {
                let e := mload(ePtr)
                let x := shr(128, e)
                let s := and(e, 0xffffffffffffffffffffffffffffffff)
                if lt(x, lo) {
                    mstore(below, e)
                    below := add(below, 32)
                    bs := add(bs, s)
                    // invariant: x, s <= ONE and at most 64 votes: no overflow
                    br := add(br, mul(x, s))
                    continue
                }
                if gt(x, hi) {
                    above := sub(above, 32)
                    mstore(above, e)
                    continue
                }
                mstore(within, e)
                within := add(within, 32)
                ms := add(ms, s)
            }
            mstore(sp, bs)
            mstore(add(sp, 0x20), br)
            mstore(add(sp, 0x40), ms)
            mstore(add(sp, 0x80), below)
            mstore(add(sp, 0xa0), above)
            mstore(add(sp, 0xc0), within)
        }
        // stake above = total - below - within
        uint256 total;
        assembly ("memory-safe") {
            for { let p := mload(add(sp, 0xa0)) } lt(p, sideEnd) { p := add(p, 32) } {
                total := add(total, and(mload(p), 0xffffffffffffffffffffffffffffffff))
            }
        }
        sp.aboveStake = total;
    }

    /// @dev Votes of chunk column c: (weight << 128 | stake) for the voters with a non-zero weight.
    function _gather(Work memory w, uint256 c, uint256 ePtr) private pure returns (uint256 count, uint256 total) {
        uint256 rows = _data(w.voterRows) + ((c >> 4) << 5);
        uint256 stride = w.slots << 5;
        uint256 info = _data(w.voterInfo);
        uint256 end = rows + stride * w.voters;
        assembly ("memory-safe") {
            let sh := shl(4, and(c, 15))
            let out := ePtr
            for {} lt(rows, end) {
                rows := add(rows, stride)
                info := add(info, 32)
            } {
                let raw := and(shr(sh, mload(rows)), 0xffff)
                if raw {
                    let i := mload(info)
                    // invariant: raw is part of the row sum (low 128 bits), so x <= ONE
                    let x := div(mul(raw, ONE), and(i, 0xffffffffffffffffffffffffffffffff))
                    if x {
                        let s := shr(128, i)
                        mstore(out, or(shl(128, x), s))
                        out := add(out, 32)
                        total := add(total, s)
                    }
                }
            }
            count := shr(5, sub(out, ePtr))
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

    /// @dev Sum over the votes of min(weight, c) x stake (the column's rank, scale ONE^2).
    function _rankOf(uint256 ptr, uint256 count, uint256 c) private pure returns (uint256 r) {
        assembly ("memory-safe") {
            let end := add(ptr, shl(5, count))
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
