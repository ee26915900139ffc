// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EpochBondsLiquid} from "./EpochBondsLiquid.sol";
import {
    SubnetState,
    EpochRun,
    Params,
    ONE,
    HALF,
    U16,
    STAGE_DIVIDENDS,
    V_STAKE_SHIFT,
    V_SUM_SHIFT,
    V_UPDATE_SHIFT,
    V_PERMIT_BIT,
    V_SLOTS_SHIFT,
    MASK32,
    MASK64,
    MASK96,
    MASK128
} from "./ConsensusTypes.sol";

/// @notice The epoch's BONDS stage over a chunk of column slots (ALGORITHM.md steps 9-10 for those
/// columns): the bond EMA (liquid alpha included), stored u16 bonds, and each validator's bond income
/// T_k += (b'_kj x ONE / colsum_j) x incentive_j. Runs by DELEGATECALL on the consensus storage.
library EpochBondsLib {
    /// @dev Per-chunk constants read by the lane loops: keep the order in sync with the F_* offsets.
    struct Frame {
        uint256 alpha; // 0x00 fixed EMA rate (ONE - bondsMovingAverage)
        uint256 penalty; // 0x20 bondsPenalty
        uint256 rowSum; // 0x40 masked sum of the row being processed
        uint256 alphaLow; // 0x60 liquid alpha
        uint256 alphaSpan; // 0x80 alphaHigh - alphaLow
        uint256 steepness; // 0xa0
        uint256 sigmoidZero; // 0xc0 sigmoid at diff 0 (the common case), precomputed
        uint256 selfSlot; // 0xe0 chunk slot holding the row's own UID (or 2^255)
        uint256 selfMask; // 0x100 clears the own UID's lane in that slot
        uint256 lastUpdate; // 0x120 the row's block
        uint256 maxRegistered; // 0x140 memory address: latest registration per chunk slot
        uint256 registered; // 0x160 memory address: registration block per chunk column
        uint256 cols; // 0x180 columns in the chunk
        uint256 keep; // 0x1a0 1: the row holds a permit next epoch (its bonds are stored), else 0
        uint256 cols4; // 0x1c0 memory address of the per-column data
        uint256 stake; // 0x1e0 active stake share of the row (its rank weight)
        uint256 slotMask; // 0x200 bit s: chunk slot s of the row holds a non-zero weight
    }

    /// @dev The chunk in memory.
    struct Chunk {
        uint256 c0; // first column
        uint256 cols;
        uint256 t0; // first slot
        uint256 slots;
        uint256 v;
        bool liquid;
        uint256 rankTotal;
        uint256[] stake; // s_k per validator index
        uint256[] cols4; // per column: [consensus | fresh << 255, colSum, rank then incentive, liquid consensus]
        uint256[] newBonds; // row-major: [k * cols + c]
        uint256[] maxRegistered; // per slot: the latest registration block among its UIDs
        uint256[] registered; // per column
    }

    /// @notice Processes column slots [t0, t1); moves to DIVIDENDS after the last chunk.
    function bondsStep(SubnetState storage st, uint256 t0, uint256 t1) external {
        EpochRun storage run = st.run;
        Frame memory f;
        Chunk memory ch = _setup(st, run, f, t0, t1);
        for (uint256 k = 0; k < ch.v; ++k) _row(st, f, ch, k);
        _toIncentive(ch);
        _bondIncome(st, ch);
        _storeIncentiveAndConsensus(st, run, ch);
        run.cursor = uint16(t1);
        if (ch.c0 + ch.cols == run.n) {
            run.cursor = 0;
            run.stage = STAGE_DIVIDENDS;
        }
    }

    function _setup(SubnetState storage st, EpochRun storage run, Frame memory f, uint256 t0, uint256 t1)
        private
        view
        returns (Chunk memory ch)
    {
        uint256 n = run.n;
        ch.v = run.v;
        ch.t0 = t0;
        ch.slots = t1 - t0;
        ch.c0 = t0 << 4;
        uint256 cEnd = t1 << 4;
        ch.cols = (cEnd > n ? n : cEnd) - ch.c0;
        Params memory p = run.params;
        f.alpha = ONE - p.bondsMovingAverage;
        f.penalty = p.bondsPenalty;
        ch.liquid = run.liquid;
        if (ch.liquid) {
            f.alphaLow = p.alphaLow;
            f.alphaSpan = p.alphaHigh - p.alphaLow;
            f.steepness = p.alphaSteepness;
            f.sigmoidZero = EpochBondsLiquid.sigmoidOfDiff(0, p.alphaSteepness);
        }
        uint256 activeTotal = run.activeTotal;
        ch.stake = new uint256[](ch.v);
        if (activeTotal != 0) {
            for (uint256 k = 0; k < ch.v; ++k) {
                ch.stake[k] = (((st.validators[k] >> V_STAKE_SHIFT) & MASK96) * ONE) / activeTotal;
            }
        }
        uint256 startBlock = run.startBlock;
        ch.rankTotal = run.rankTotal;
        _setupColumns(st, ch, p, startBlock >= run.tempo ? startBlock - run.tempo : 0);
        ch.newBonds = new uint256[](ch.v * ch.cols);
        f.cols = ch.cols;
        f.cols4 = _data(ch.cols4);
        f.maxRegistered = _data(ch.maxRegistered);
        f.registered = _data(ch.registered);
    }

    /// @dev Per column: consensus with the "fresh" flag (registered within the last tempo: old bonds
    /// restart at 0), incentive, and the consensus liquid alpha compares with.
    function _setupColumns(SubnetState storage st, Chunk memory ch, Params memory p, uint256 lastTempo) private view {
        uint256 cols = ch.cols;
        ch.cols4 = new uint256[](cols << 2);
        ch.registered = new uint256[](cols);
        ch.maxRegistered = new uint256[](ch.slots);
        uint256 mode = p.consensusMode;
        if (mode == 0) mode = p.bondsPenalty == ONE ? 2 : 1;
        for (uint256 c = 0; c < cols; ++c) {
            uint256 j = ch.c0 + c;
            uint256 shift = (j & 3) << 6;
            uint256 cons = (st.consensus[j >> 2] >> shift) & MASK64;
            uint256 reg = (st.registered[j >> 2] >> shift) & MASK64;
            ch.registered[c] = reg;
            if (reg > ch.maxRegistered[c >> 4]) ch.maxRegistered[c >> 4] = reg;
            ch.cols4[c << 2] = lastTempo <= reg ? cons | (1 << 255) : cons;
            if (ch.liquid) {
                uint256 lc = cons;
                if (mode != 1) {
                    uint256 prev = (((st.consensusU16[j >> 4] >> ((j & 15) << 4)) & 0xffff) * ONE) / U16;
                    lc = mode == 3 && cons > prev ? cons : prev;
                }
                ch.cols4[(c << 2) + 3] = lc;
            }
        }
    }

    /// @dev Validator row k over the chunk: masks its weights, runs the lanes, stores its u16 bonds.
    function _row(SubnetState storage st, Frame memory f, Chunk memory ch, uint256 k) private {
        uint256 word = st.validators[k];
        uint256 uid = word & 0xffff;
        f.rowSum = (word >> V_SUM_SHIFT) & MASK32;
        f.lastUpdate = (word >> V_UPDATE_SHIFT) & MASK64;
        f.selfSlot = (uid >> 4) >= ch.t0 ? (uid >> 4) - ch.t0 : 1 << 255;
        f.selfMask = ~(uint256(0xffff) << ((uid & 15) << 4));
        uint256 weightsSlot;
        if (f.rowSum != 0) weightsSlot = _base(st.weights[uint16(uid)]) + ch.t0;
        uint256 bondsSlot = _base(st.bonds[uint16(uid)]) + ch.t0;
        uint256 pNB = _data(ch.newBonds) + ((k * ch.cols) << 5);
        f.keep = (word >> V_PERMIT_BIT) & 1;
        f.slotMask = (word >> V_SLOTS_SHIFT) >> ch.t0;
        f.stake = ch.stake[k];
        if (ch.liquid) EpochBondsLiquid.runSlots(_frame(f), weightsSlot, bondsSlot, ch.slots, pNB);
        else _slots(f, weightsSlot, bondsSlot, ch.slots, pNB);
    }

    /// @dev Slots of a row with the fixed EMA rate. For each column: x = raw x ONE / rowSum, clipped
    /// cw = min(x, consensus), weight for bonds wb = x - (x - cw) x penalty / ONE, old bond b (0 when
    /// fresh), new bond nb = ((ONE - a) x b + a x wb) / ONE, kept (for the income) and added to the
    /// column sum; stores the new u16 bonds (rounded half up; 0 without a permit next epoch).
    function _slots(
        Frame memory f,
        uint256 weightsSlot,
        uint256 bondsSlot,
        uint256 slots,
        uint256 pNB
    ) private {
        assembly ("memory-safe") {
            // the row's masked weights of chunk slot s (self-weight and outdated entries dropped)
            function masked(fr, slot, s) -> w {
                if and(shr(s, mload(add(fr, 0x200))), 1) { w := sload(slot) }
                if w {
                    if eq(s, mload(add(fr, 0xe0))) { w := and(w, mload(add(fr, 0x100))) }
                    let lastUpdate := mload(add(fr, 0x120))
                    if iszero(gt(lastUpdate, mload(add(mload(add(fr, 0x140)), shl(5, s))))) {
                        let c := shl(4, s)
                        let reg := add(mload(add(fr, 0x160)), shl(5, c))
                        let n := sub(mload(add(fr, 0x180)), c)
                        if gt(n, 16) { n := 16 }
                        for { let l := 0 } lt(l, n) { l := add(l, 1) } {
                            if iszero(lt(mload(add(reg, shl(5, l))), lastUpdate)) {
                                w := and(w, not(shl(shl(4, l), 0xffff)))
                            }
                        }
                    }
                }
            }
            function lanes(fr, w, old, s, nbp) -> packed {
                let a := mload(fr)
                let col := add(mload(add(fr, 0x1c0)), shl(11, s))
                let end := sub(mload(add(fr, 0x180)), shl(4, s))
                if gt(end, 16) { end := 16 }
                end := add(col, shl(7, end))
                for { let sh := 0 } lt(col, end) {
                    col := add(col, 128)
                    nbp := add(nbp, 32)
                    sh := add(sh, 16)
                } {
                    let raw := and(shr(sh, w), 0xffff)
                    let o := and(shr(sh, old), 0xffff)
                    if or(raw, o) {
                        // invariant: raw <= rowSum (rowSum > 0 whenever raw > 0): x <= ONE
                        let x := 0
                        if raw { x := div(mul(raw, ONE), mload(add(fr, 0x40))) }
                        let cword := mload(col)
                        let cw := and(cword, 0xffffffffffffffffffffffffffffffff)
                        if lt(x, cw) { cw := x }
                        // rank_j += cw x s_k (cw, s_k <= ONE)
                        let rp := add(col, 64)
                        mstore(rp, add(mload(rp), mul(cw, mload(add(fr, 0x1e0)))))
                        let b := 0
                        if iszero(shr(255, cword)) { b := div(mul(o, ONE), 65535) }
                        let nb := div(
                            add(mul(sub(ONE, a), b), mul(a, sub(x, div(mul(sub(x, cw), mload(add(fr, 0x20))), ONE)))),
                            ONE
                        )
                        if nb {
                            mstore(nbp, nb)
                            let cs := add(col, 32)
                            mstore(cs, add(mload(cs), nb))
                            packed := or(packed, shl(sh, div(add(mul(nb, 65535), HALF), ONE)))
                        }
                    }
                }
            }
            for { let s := 0 } lt(s, slots) { s := add(s, 1) } {
                let w := 0
                if weightsSlot { w := masked(f, add(weightsSlot, s), s) }
                let bs := add(bondsSlot, s)
                let old := sload(bs)
                if or(w, old) {
                    let packed := mul(mload(add(f, 0x1a0)), lanes(f, w, old, s, add(pNB, shl(9, s))))
                    if iszero(eq(packed, old)) { sstore(bs, packed) }
                }
            }
        }
    }

    /// @dev incentive_j = rank_j x ONE / rankTotal (rank_j = sum_k min(w_kj, c_j) x s_k, summed by the lanes).
    function _toIncentive(Chunk memory ch) private pure {
        uint256 rankTotal = ch.rankTotal;
        for (uint256 c = 0; c < ch.cols; ++c) {
            uint256 i = (c << 2) + 2;
            ch.cols4[i] = rankTotal == 0 ? 0 : (ch.cols4[i] * ONE) / rankTotal;
        }
    }

    /// @dev T_k += sum over the chunk's columns of (newBond_kj x ONE / colSum_j) x incentive_j, for the
    /// validators with active stake (u128 x 2 per slot; the first chunk starts from 0).
    function _bondIncome(SubnetState storage st, Chunk memory ch) private {
        uint256 v = ch.v;
        bool first = ch.t0 == 0;
        uint256 nb = _data(ch.newBonds);
        uint256 c4 = _data(ch.cols4);
        uint256 rowBytes = ch.cols << 5;
        for (uint256 k = 0; k < v; k += 2) {
            uint256 lo = ch.stake[k] == 0 ? 0 : _income(nb + k * rowBytes, rowBytes, c4);
            uint256 hi = k + 1 < v && ch.stake[k + 1] != 0 ? _income(nb + (k + 1) * rowBytes, rowBytes, c4) : 0;
            if (lo == 0 && hi == 0 && !first) continue;
            uint256 word = first ? 0 : st.bondIncome[k >> 1];
            // invariant: T_k <= ONE^2 < 2^120 over all chunks (incentives sum to <= ONE): lanes never carry
            word += lo | (hi << 128);
            st.bondIncome[k >> 1] = word;
        }
    }

    function _income(uint256 p, uint256 rowBytes, uint256 c4) private pure returns (uint256 t) {
        assembly ("memory-safe") {
            let end := add(p, rowBytes)
            for {} lt(p, end) {
                p := add(p, 32)
                c4 := add(c4, 128)
            } {
                let b := mload(p)
                if b {
                    // b > 0 implies colSum >= b > 0
                    t := add(t, mul(div(mul(b, ONE), mload(add(c4, 32))), mload(add(c4, 64))))
                }
            }
        }
    }

    /// @dev Stores the chunk's incentive (u64 x 4 per slot) and this epoch's consensus as u16 (rounded half
    /// up: the next epoch's "previous consensus", written after the liquid-alpha inputs were read).
    function _storeIncentiveAndConsensus(SubnetState storage st, EpochRun storage run, Chunk memory ch) private {
        uint256 iWord;
        uint256 cWord;
        uint256 incTotal;
        for (uint256 c = 0; c < ch.cols; ++c) {
            uint256 j = ch.c0 + c;
            uint256 inc = ch.cols4[(c << 2) + 2];
            incTotal += inc;
            iWord |= inc << ((j & 3) << 6);
            if (j & 3 == 3 || c + 1 == ch.cols) {
                if (st.incentive[j >> 2] != iWord) st.incentive[j >> 2] = iWord;
                iWord = 0;
            }
            uint256 cons = ch.cols4[c << 2] & MASK128;
            cWord |= ((cons * U16 + HALF) / ONE) << ((j & 15) << 4);
            if (j & 15 == 15 || c + 1 == ch.cols) {
                if (st.consensusU16[j >> 4] != cWord) st.consensusU16[j >> 4] = cWord;
                cWord = 0;
            }
        }
        run.incentiveTotal = (ch.t0 == 0 ? 0 : run.incentiveTotal) + incTotal;
    }

    function _base(uint256[16] storage row) private pure returns (uint256 slot) {
        assembly ("memory-safe") {
            slot := row.slot
        }
    }

    function _frame(Frame memory f) private pure returns (uint256 ptr) {
        assembly ("memory-safe") {
            ptr := f
        }
    }

    function _data(uint256[] memory a) private pure returns (uint256 ptr) {
        assembly ("memory-safe") {
            ptr := add(a, 32)
        }
    }
}
