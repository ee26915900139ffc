// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {
    SubnetState,
    EpochRun,
    Params,
    ONE,
    HALF,
    LN2,
    U16,
    STAGE_DIVIDENDS,
    V_STAKE_SHIFT,
    V_SUM_SHIFT,
    V_UPDATE_SHIFT,
    V_PERMIT_BIT,
    MASK32,
    MASK64,
    MASK96,
    MASK128
} from "./ConsensusTypes.sol";

/// @notice The epoch's BONDS stage over a chunk of column slots (ALGORITHM.md steps 7-10 for those
/// columns): incentive, the bond EMA (liquid alpha included), stored u16 bonds, and each validator's
/// bond income T += (b'_kj / colsum_j) x incentive_j. Runs by DELEGATECALL.
library EpochBondsLib {
    /// @dev Frame read by the assembly at fixed offsets: keep the field order and the F_* constants in sync.
    struct Frame {
        uint256 v; // 0x000
        uint256 penalty; // 0x020 bondsPenalty
        uint256 alpha; // 0x040 fixed EMA rate (ONE - bondsMovingAverage)
        uint256 liquid; // 0x060 1: liquid alpha
        uint256 alphaLow; // 0x080
        uint256 alphaSpan; // 0x0a0 alphaHigh - alphaLow
        uint256 steepness; // 0x0c0
        uint256 sigmoidZero; // 0x0e0 sigmoid at diff 0 (the common case), precomputed
        uint256 lastTempo; // 0x100 bonds to UIDs registered at or after it restart at 0
        uint256[] rank; // 0x120 rank per column (scale ONE^2)
        uint256[] colSum; // 0x140 sum of new bonds per column
        uint256[] newBonds; // 0x160 new bonds, column-major: [c * v + k]
        uint256[] consensus; // 0x180 consensus per column
        uint256[] liquidC; // 0x1a0 consensus liquid alpha compares with, per column
        uint256[] registered; // 0x1c0 registration block per column
        uint256 k; // 0x1e0 row being processed
        uint256 stake; // 0x200 its active stake share
        uint256 rowSum; // 0x220 its masked row sum
        uint256 self; // 0x240 its own column in the chunk (or 2^255)
        uint256 lastUpdate; // 0x260
        uint256 keep; // 0x280 1: it holds a permit next epoch, its bonds are stored
    }

    /// @dev Inputs of a chunk, kept in memory (keeps the stack shallow).
    struct Chunk {
        uint256 c0; // first column
        uint256 cols;
        uint256 t0; // first slot
        uint256 slots;
        uint256 activeTotal;
        uint256[] consensus;
        uint256[] rank;
        uint256[] colSum;
        uint256[] newBonds;
        uint256[] stake; // per validator index
    }

    /// @notice Processes column slots [t0, t1); moves to DIVIDENDS after the last chunk.
    function bondsStep(SubnetState storage st, uint256 t0, uint256 t1) external {
        EpochRun storage run = st.run;
        Frame memory f;
        Chunk memory ch;
        _setup(st, run, f, ch, t0, t1);
        uint256 v = f.v;
        for (uint256 k = 0; k < v; ++k) {
            uint256 word = st.validators[k];
            uint256 uid = word & 0xffff;
            f.k = k;
            f.stake = ch.stake[k];
            f.rowSum = (word >> V_SUM_SHIFT) & MASK32;
            f.self = uid >= ch.c0 && uid < ch.c0 + ch.cols ? uid - ch.c0 : 1 << 255;
            f.lastUpdate = (word >> V_UPDATE_SHIFT) & MASK64;
            f.keep = (word >> V_PERMIT_BIT) & 1;
            uint256 wBase;
            if (f.rowSum != 0) wBase = _base(st.weights[uint16(uid)]) + t0;
            _row(f, wBase, _base(st.bonds[uint16(uid)]) + t0, ch.cols);
        }
        _finishChunk(st, run, ch);
        run.cursor = uint16(t1);
        if (ch.c0 + ch.cols == run.n) run.stage = STAGE_DIVIDENDS;
    }

    function _setup(SubnetState storage st, EpochRun storage run, Frame memory f, Chunk memory ch, uint256 t0, uint256 t1)
        private
        view
    {
        uint256 n = run.n;
        f.v = run.v;
        ch.t0 = t0;
        ch.slots = t1 - t0;
        ch.c0 = t0 << 4;
        uint256 cEnd = t1 << 4;
        ch.cols = (cEnd > n ? n : cEnd) - ch.c0;
        ch.activeTotal = run.activeTotal;
        Params memory p = run.params;
        f.penalty = p.bondsPenalty;
        f.alpha = ONE - p.bondsMovingAverage;
        uint256 startBlock = run.startBlock;
        f.lastTempo = startBlock >= run.tempo ? startBlock - run.tempo : 0;
        ch.stake = new uint256[](f.v);
        for (uint256 k = 0; k < f.v; ++k) {
            if (ch.activeTotal != 0) {
                ch.stake[k] = (((st.validators[k] >> V_STAKE_SHIFT) & MASK96) * ONE) / ch.activeTotal;
            }
        }
        _setupColumns(st, run, f, ch, p);
    }

    function _setupColumns(SubnetState storage st, EpochRun storage run, Frame memory f, Chunk memory ch, Params memory p)
        private
        view
    {
        uint256 cols = ch.cols;
        ch.consensus = new uint256[](cols);
        f.registered = new uint256[](cols);
        for (uint256 c = 0; c < cols; ++c) {
            uint256 j = ch.c0 + c;
            ch.consensus[c] = (st.consensus[j >> 2] >> ((j & 3) << 6)) & MASK64;
            f.registered[c] = (st.registered[j >> 2] >> ((j & 3) << 6)) & MASK64;
        }
        ch.rank = new uint256[](cols);
        ch.colSum = new uint256[](cols);
        ch.newBonds = new uint256[](cols * f.v);
        f.consensus = ch.consensus;
        f.rank = ch.rank;
        f.colSum = ch.colSum;
        f.newBonds = ch.newBonds;
        if (run.liquid) {
            f.liquid = 1;
            f.alphaLow = p.alphaLow;
            f.alphaSpan = p.alphaHigh - p.alphaLow;
            f.steepness = p.alphaSteepness;
            f.sigmoidZero = _sigmoidOfDiff(0, p.alphaSteepness);
            f.liquidC = _liquidConsensus(st, p, ch);
        }
    }

    /// @dev Consensus the liquid-alpha sigmoid compares with, per column of the chunk.
    function _liquidConsensus(SubnetState storage st, Params memory p, Chunk memory ch)
        private
        view
        returns (uint256[] memory lc)
    {
        uint256 mode = p.consensusMode;
        if (mode == 0) mode = p.bondsPenalty == ONE ? 2 : 1;
        if (mode == 1) return ch.consensus;
        lc = new uint256[](ch.cols);
        for (uint256 c = 0; c < ch.cols; ++c) {
            uint256 j = ch.c0 + c;
            uint256 prev = (((st.consensusU16[j >> 4] >> ((j & 15) << 4)) & 0xffff) * ONE) / U16;
            lc[c] = mode == 3 && ch.consensus[c] > prev ? ch.consensus[c] : prev;
        }
    }

    /// @dev One validator row over the chunk: for each column, the normalised masked weight x, the clipped
    /// weight, the rank contribution, the weight for bonds, the EMA from the old bond; stores u16 bonds.
    function _row(Frame memory f, uint256 wBase, uint256 bBase, uint256 cols) private {
        assembly ("memory-safe") {
            function expNeg(y) -> r {
                let k := div(y, LN2)
                if lt(k, 64) {
                    let rem := sub(y, mul(k, LN2))
                    let total := ONE
                    let term := ONE
                    for { let t := 1 } lt(t, 33) { t := add(t, 1) } {
                        // invariant: term <= ONE, rem < LN2: the product stays below 2^120
                        term := div(mul(term, rem), mul(t, ONE))
                        if iszero(term) { break }
                        total := add(total, term)
                    }
                    r := shr(k, div(mul(ONE, ONE), total))
                }
            }
            function liquidAlpha(fr, c, w, b) -> a {
                let diff := 0
                switch lt(w, b)
                case 0 { if gt(w, c) { diff := sub(w, c) } }
                default { diff := sub(b, w) }
                let sig := mload(add(fr, 0xe0))
                if diff {
                    let steep := mload(add(fr, 0xc0))
                    switch lt(diff, HALF)
                    case 0 { sig := div(mul(ONE, ONE), add(ONE, expNeg(div(mul(sub(diff, HALF), steep), 100)))) }
                    default {
                        sig := sub(ONE, div(mul(ONE, ONE), add(ONE, expNeg(div(mul(sub(HALF, diff), steep), 100)))))
                    }
                }
                a := add(mload(add(fr, 0x80)), div(mul(sig, mload(add(fr, 0xa0))), ONE))
            }
            // New u16 bond of column c from the raw weight and the old bond; adds rank and column sum.
            function lane(fr, c, raw, old16) -> new16 {
                let x := 0
                if raw {
                    // masks: self-weight, and weights set no later than the miner's registration
                    if iszero(or(eq(c, mload(add(fr, 0x240))),
                        iszero(lt(mload(add(mload(add(fr, 0x1c0)), shl(5, add(c, 1)))), mload(add(fr, 0x260)))))) {
                        // invariant: an unmasked raw is part of the row sum, so rowSum >= raw > 0
                        x := div(mul(raw, ONE), mload(add(fr, 0x220)))
                    }
                }
                let cw := mload(add(mload(add(fr, 0x180)), shl(5, add(c, 1))))
                if lt(x, cw) { cw := x }
                let s := mload(add(fr, 0x200))
                if s {
                    let rp := add(mload(add(fr, 0x120)), shl(5, add(c, 1)))
                    mstore(rp, add(mload(rp), mul(cw, s)))
                }
                // weight for bonds: x - (x - cw) x penalty / ONE (x >= cw)
                let wb := sub(x, div(mul(sub(x, cw), mload(add(fr, 0x020))), ONE))
                let b := 0
                if lt(mload(add(mload(add(fr, 0x1c0)), shl(5, add(c, 1)))), mload(add(fr, 0x100))) {
                    b := div(mul(old16, ONE), U16)
                }
                let a := mload(add(fr, 0x040))
                if mload(add(fr, 0x060)) { a := liquidAlpha(fr, mload(add(mload(add(fr, 0x1a0)), shl(5, add(c, 1)))), wb, b) }
                let nb := div(add(mul(sub(ONE, a), b), mul(a, wb)), ONE)
                if nb {
                    mstore(add(mload(add(fr, 0x160)), shl(5, add(add(mul(c, mload(fr)), mload(add(fr, 0x1e0))), 1))), nb)
                    let cp := add(mload(add(fr, 0x140)), shl(5, add(c, 1)))
                    mstore(cp, add(mload(cp), nb))
                    if mload(add(fr, 0x280)) { new16 := div(add(mul(nb, U16), HALF), ONE) }
                }
            }
            for { let c := 0 } lt(c, cols) {} {
                let wWord := 0
                if wBase { wWord := sload(add(wBase, shr(4, c))) }
                let bSlot := add(bBase, shr(4, c))
                let old := sload(bSlot)
                let cMax := add(c, 16)
                if gt(cMax, cols) { cMax := cols }
                if iszero(or(wWord, old)) {
                    // no weight and no bond: every new bond is 0, nothing to add or store
                    c := cMax
                    continue
                }
                let packed := 0
                for { let sh := 0 } lt(c, cMax) { c := add(c, 1) } {
                    packed := or(packed, shl(sh, lane(f, c, and(shr(sh, wWord), 0xffff), and(shr(sh, old), 0xffff))))
                    sh := add(sh, 16)
                }
                if iszero(eq(packed, old)) { sstore(bSlot, packed) }
            }
        }
    }

    /// @dev Incentive of the chunk's columns (stored), bond income of each validator (accumulated), and
    /// the consensus as u16 for the next epoch.
    function _finishChunk(SubnetState storage st, EpochRun storage run, Chunk memory ch) private {
        uint256 cols = ch.cols;
        uint256 rankTotal = run.rankTotal;
        uint256[] memory inc = new uint256[](cols);
        uint256 incTotal;
        uint256 packedI;
        uint256 packedC;
        for (uint256 c = 0; c < cols; ++c) {
            uint256 j = ch.c0 + c;
            uint256 i = rankTotal == 0 ? 0 : (ch.rank[c] * ONE) / rankTotal;
            inc[c] = i;
            incTotal += i;
            packedI |= i << ((j & 3) << 6);
            if (j & 3 == 3 || c + 1 == cols) {
                if (st.incentive[j >> 2] != packedI) st.incentive[j >> 2] = packedI;
                packedI = 0;
            }
            packedC |= ((ch.consensus[c] * U16 + HALF) / ONE) << ((j & 15) << 4);
            if (j & 15 == 15 || c + 1 == cols) {
                if (st.consensusU16[j >> 4] != packedC) st.consensusU16[j >> 4] = packedC;
                packedC = 0;
            }
        }
        run.incentiveTotal += incTotal;
        _bondIncome(st, ch, inc);
    }

    /// @dev T_k += sum over the chunk's columns of (newBond_kj x ONE / colSum_j) x incentive_j (validators
    /// with active stake only).
    function _bondIncome(SubnetState storage st, Chunk memory ch, uint256[] memory inc) private {
        uint256 v = ch.stake.length;
        uint256 cols = ch.cols;
        bool first = ch.t0 == 0;
        for (uint256 k = 0; k < v; k += 2) {
            uint256 lo = ch.stake[k] == 0 ? 0 : _income(ch, inc, k, v, cols);
            uint256 hi = k + 1 < v && ch.stake[k + 1] != 0 ? _income(ch, inc, k + 1, v, cols) : 0;
            if (lo == 0 && hi == 0 && !first) continue;
            uint256 word = first ? 0 : st.bondIncome[k >> 1];
            // invariant: T_k <= ONE^2 < 2^120 over all chunks (sum of incentives <= ONE): lanes never carry
            word += lo | (hi << 128);
            st.bondIncome[k >> 1] = word;
        }
    }

    function _income(Chunk memory ch, uint256[] memory inc, uint256 k, uint256 v, uint256 cols)
        private
        pure
        returns (uint256 t)
    {
        uint256[] memory nb = ch.newBonds;
        uint256[] memory cs = ch.colSum;
        assembly ("memory-safe") {
            for { let c := 0 } lt(c, cols) { c := add(c, 1) } {
                let b := mload(add(nb, shl(5, add(add(mul(c, v), k), 1))))
                if b {
                    // b > 0 implies colSum > 0
                    t := add(t, mul(div(mul(b, ONE), mload(add(cs, shl(5, add(c, 1))))), mload(add(inc, shl(5, add(c, 1))))))
                }
            }
        }
    }

    /// @dev Sigmoid of the liquid-alpha exponent for a diff (ALGORITHM.md liquidAlpha), in Solidity.
    function _sigmoidOfDiff(uint256 diff, uint256 steepness) private pure returns (uint256) {
        if (diff >= HALF) return (ONE * ONE) / (ONE + _expNeg(((diff - HALF) * steepness) / 100));
        return ONE - (ONE * ONE) / (ONE + _expNeg(((HALF - diff) * steepness) / 100));
    }

    function _expNeg(uint256 y) private pure returns (uint256) {
        uint256 k = y / LN2;
        if (k >= 64) return 0;
        uint256 rem = y - k * LN2;
        uint256 total = ONE;
        uint256 term = ONE;
        for (uint256 t = 1; t <= 32; ++t) {
            term = (term * rem) / (t * ONE);
            if (term == 0) break;
            total += term;
        }
        return ((ONE * ONE) / total) >> k;
    }

    function _base(uint256[16] storage row) private pure returns (uint256 slot) {
        assembly ("memory-safe") {
            slot := row.slot
        }
    }
}
