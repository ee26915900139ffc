// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {YumaKernels} from "./YumaKernels.sol";
// Some constants below are used inside assembly functions only, which solhint does not look into.
/* solhint-disable no-unused-import */
import {SubnetState, ONE, MASK64} from "./ConsensusTypes.sol";
import {
    PassFrame,
    R_SIZE,
    R_W,
    R_O,
    R_S,
    R_SUM,
    R_X,
    R_INFO,
    R_WBASE,
    R_BBASE,
    B_LISTS,
    I_UPDATE_SHIFT,
    I_SLOTS_SHIFT
} from "./EpochPassFrame.sol";
/* solhint-enable no-unused-import */

/// @notice The columns of a PASS slot (16 UIDs): each validator's masked weights read once, then per
/// column the normalised weights and the consensus, the stake-weighted kappa-quantile of the voters'
/// weights (ALGORITHM.md steps 5-6). Internal: inlined in EpochConsensusLib.
/// @dev Votes are gathered into 16 buckets of values around the column's consensus of the last epoch
/// (YumaKernels.quantileNear's idea, fused with the gathering), so the quantile is selected among the
/// few votes of one bucket when consensus moved little; the result never depends on the buckets.
library EpochColumns {
    /// @notice Reads slot `p.t`: its lanes' registration blocks (fresh bits, latest), every validator's
    /// weights word without its self-weight and outdated entries (set no later than the miner's
    /// registration) and, when `withBonds`, its stored bonds word; lists the rows with either.
    function loadSlot(SubnetState storage st, PassFrame memory p, bool withBonds) internal view {
        uint256 t = p.t;
        uint256 lanes = p.lanes;
        uint256 regPtr = p.regPtr;
        uint256 lastTempo = p.lastTempo;
        uint256 maxReg;
        uint256 fresh;
        for (uint256 q = 0; q << 2 < lanes; ++q) {
            uint256 word = st.registered[(t << 2) + q];
            for (uint256 i = 0; i < 4 && (q << 2) + i < lanes; ++i) {
                uint256 col = (q << 2) + i;
                uint256 reg = (word >> (i << 6)) & MASK64;
                assembly ("memory-safe") {
                    mstore(add(regPtr, shl(5, col)), reg)
                }
                if (reg > maxReg) maxReg = reg;
                if (lastTempo <= reg) fresh |= 1 << col;
            }
        }
        p.maxReg = maxReg;
        p.fresh = fresh;
        uint256 counts = _loadRows(p.recPtr, p.v, p.activePtr, t, (maxReg << 8) | lanes, regPtr, withBonds);
        p.activeCount = counts & 0xffff;
        p.firstWrites = counts >> 16;
    }

    /// @dev Fills every record's W (masked) and O for slot t; returns how many were listed as active, and
    /// (<< 16) how many of those have a zero bonds word.
    function _loadRows(
        uint256 rec,
        uint256 v,
        uint256 list,
        uint256 t,
        uint256 regAndLanes,
        uint256 regPtr,
        bool withBonds
    ) private view returns (uint256 count) {
        assembly ("memory-safe") {
            // clears the lanes registered at or after lastUpdate (outdated weights)
            function dropOutdated(w, lastUpdate, reg, n) -> out {
                out := w
                for { let l := 0 } lt(l, n) { l := add(l, 1) } {
                    if iszero(lt(mload(add(reg, shl(5, l))), lastUpdate)) { out := and(out, not(shl(shl(4, l), 0xffff))) }
                }
            }
            // the record's masked weights word of slot `slot`
            function masked(r, slot, rl, reg) -> w {
                let inf := mload(add(r, R_INFO))
                let base := mload(add(r, R_WBASE))
                if base {
                    if and(shr(add(I_SLOTS_SHIFT, slot), inf), 1) { w := sload(add(base, slot)) }
                }
                if w {
                    let uid := and(inf, 0xffff)
                    if eq(shr(4, uid), slot) { w := and(w, not(shl(shl(4, and(uid, 15)), 0xffff))) }
                    let lastUpdate := and(shr(I_UPDATE_SHIFT, inf), MASK64)
                    if iszero(gt(lastUpdate, shr(8, rl))) {
                        w := dropOutdated(w, lastUpdate, reg, and(rl, 0xff))
                    }
                }
            }
            let end := add(rec, mul(v, R_SIZE))
            for { let r := rec } lt(r, end) { r := add(r, R_SIZE) } {
                let w := masked(r, t, regAndLanes, regPtr)
                let o := 0
                if withBonds { o := sload(add(mload(add(r, R_BBASE)), t)) }
                mstore(add(r, R_W), w)
                mstore(add(r, R_O), o)
                if or(w, o) {
                    mstore(add(list, shl(5, and(count, 0xffff))), r)
                    count := add(count, add(1, shl(16, iszero(o))))
                }
            }
        }
    }

    /// @notice Lane `col` of the loaded slot: every active record's x = raw x ONE / row sum (R_X), and the
    /// voters' non-zero votes (x << 128 | s_k) bucketed by value around `guess`: 16 buckets of width
    /// h = 2^floor(log2(guess / 128)) from guess - 8 h, the outer two open-ended (one bucket when
    /// guess < 128). A bucket word holds the address of its next free entry << 128 | its stake. Returns
    /// the voters' stake voting non-zero.
    function gatherLane(PassFrame memory p, uint256 col, uint256 guess) internal pure returns (uint256 nonZero) {
        uint256 list = p.activePtr;
        uint256 end = list + (p.activeCount << 5);
        uint256 buckets = p.bucketPtr;
        uint256 k = guess < 128 ? 255 : _log2(guess) - 7;
        // the buckets' base: guess - 8 h >= 0 since h <= guess / 128
        uint256 base = k == 255 ? 0 : guess - (8 << k);
        assembly ("memory-safe") {
            function rows(q, e, lsh, base0, sh, bk) -> nz {
                for {} lt(q, e) { q := add(q, 32) } {
                    let r := mload(q)
                    // invariant: raw <= row sum, and the sum is 0 only without weights (EVM: x / 0 = 0)
                    let x := div(mul(and(shr(lsh, mload(add(r, R_W))), 0xffff), ONE), mload(add(r, R_SUM)))
                    mstore(add(r, R_X), x)
                    let s := mload(add(r, R_S))
                    // x, s <= ONE: the product is 0 exactly when one is (a voter's non-zero vote)
                    if mul(x, s) {
                        // bucket min(15, (x - base) >> k), 0 below the base
                        let b := shr(sh, mul(sub(x, base0), iszero(lt(x, base0))))
                        if gt(b, 15) { b := 15 }
                        let bp := add(bk, shl(5, b))
                        let word := mload(bp)
                        mstore(shr(128, word), or(shl(128, x), s))
                        // invariant: at most 64 votes of stake <= ONE each: the stake never reaches bit 128
                        mstore(bp, add(word, add(s, 0x2000000000000000000000000000000000)))
                        nz := add(nz, s)
                    }
                }
            }
            for { let b := 0 } lt(b, 16) { b := add(b, 1) } {
                mstore(add(buckets, shl(5, b)), shl(128, add(buckets, add(B_LISTS, shl(11, b)))))
            }
            nonZero := rows(list, end, shl(4, col), base, k, buckets)
        }
    }

    /// @notice Consensus of the gathered lane (ALGORITHM.md step 6): 0 when the voters voting 0 (or
    /// without weights) hold `need`; the largest vote when kappa is 0; else the smallest vote whose
    /// prefix (with the zero votes) reaches `need`, selected within the bucket that holds it.
    function laneConsensus(PassFrame memory p, uint256 nonZero, uint256 col) internal pure returns (uint256) {
        uint256 vs = p.voterStake;
        uint256 need = p.need;
        // voters have s_k > 0, so nonZero == 0 also covers VS == 0
        if (nonZero == 0 || vs - nonZero >= need) return 0;
        if (need > vs) return _maxVote(p);
        uint256 rest = need - (vs - nonZero);
        uint256 buckets = p.bucketPtr;
        uint256 from;
        uint256 count;
        assembly ("memory-safe") {
            // the bucket where the cumulative stake reaches rest (rest <= the buckets' stake: found)
            for { let b := 0 } 1 { b := add(b, 1) } {
                let word := mload(add(buckets, shl(5, b)))
                let s := and(word, 0xffffffffffffffffffffffffffffffff)
                if iszero(lt(s, rest)) {
                    from := add(buckets, add(B_LISTS, shl(11, b)))
                    count := shr(5, sub(shr(128, word), from))
                    break
                }
                rest := sub(rest, s)
            }
        }
        return YumaKernels.quantileAsc(from, count, rest, p.seed ^ ((p.t << 4) | col));
    }

    /// @notice Whether some lane of the loaded slot has a non-zero consensus: its voters voting non-zero
    /// hold more than VS - need (liquid alpha's "current" check).
    function anyConsensus(PassFrame memory p) internal pure returns (bool) {
        uint256 vs = p.voterStake;
        uint256 need = p.need;
        uint256 list = p.activePtr;
        uint256 end = list + (p.activeCount << 5);
        for (uint256 col = 0; col < p.lanes; ++col) {
            uint256 nonZero;
            assembly ("memory-safe") {
                let lsh := shl(4, col)
                for { let q := list } lt(q, end) { q := add(q, 32) } {
                    let r := mload(q)
                    if and(shr(lsh, mload(add(r, R_W))), 0xffff) { nonZero := add(nonZero, mload(add(r, R_S))) }
                }
            }
            if (nonZero != 0 && vs - nonZero < need) return true;
        }
        return false;
    }

    /// @dev The largest gathered vote: the largest value of the highest non-empty bucket.
    function _maxVote(PassFrame memory p) private pure returns (uint256 m) {
        uint256 buckets = p.bucketPtr;
        assembly ("memory-safe") {
            for { let b := 16 } b {} {
                b := sub(b, 1)
                let ptr := add(buckets, add(B_LISTS, shl(11, b)))
                let e := shr(128, mload(add(buckets, shl(5, b))))
                if gt(e, ptr) {
                    for {} lt(ptr, e) { ptr := add(ptr, 32) } {
                        let x := shr(128, mload(ptr))
                        if gt(x, m) { m := x }
                    }
                    break
                }
            }
        }
    }

    function _log2(uint256 x) private pure returns (uint256 r) {
        assembly ("memory-safe") {
            for { let s := 128 } s { s := shr(1, s) } {
                if shr(s, x) {
                    x := shr(s, x)
                    r := add(r, s)
                }
            }
        }
    }
}
