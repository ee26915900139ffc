// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ONE, HALF, LN2} from "./ConsensusTypes.sol";

/// @notice Liquid alpha for the BONDS stage (ALGORITHM.md step 9): per (validator, miner) pair an EMA
/// rate from a sigmoid of how far the weight sits above consensus (buying) or the bond above the
/// weight (selling), with the fixed-point e^-y the reference uses. Internal: inlined in EpochBondsLib.
library EpochBondsLiquid {
    /// @notice EpochBondsLib._slots with liquid alpha: the EMA rate of each pair comes from
    /// liquidAlpha(lc, wb, b). `f` is the address of EpochBondsLib's Frame (read by offset).
    function runSlots(
        uint256 f,
        uint256 weightsSlot,
        uint256 bondsSlot,
        uint256 count,
        uint256 pNB
    ) internal {
        assembly ("memory-safe") {
            function expNeg(y) -> r {
                let k := div(y, LN2)
                if lt(k, 64) {
                    let rem := sub(y, mul(k, LN2))
                    let total := ONE
                    let term := ONE
                    for { let t := 1 } lt(t, 33) { t := add(t, 1) } {
                        // invariant: term <= ONE and rem < LN2: the product stays below 2^120
                        term := div(mul(term, rem), mul(t, ONE))
                        if iszero(term) { break }
                        total := add(total, term)
                    }
                    r := shr(k, div(mul(ONE, ONE), total))
                }
            }
            // ALGORITHM.md liquidAlpha(c, w, b) with the frame's low, span, steepness and sigmoid(0)
            function liquidAlpha(fr, c, wb, b) -> a {
                let diff := 0
                switch lt(wb, b)
                case 0 { if gt(wb, c) { diff := sub(wb, c) } }
                default { diff := sub(b, wb) }
                let sig := mload(add(fr, 0xc0))
                if diff {
                    let steep := mload(add(fr, 0xa0))
                    switch lt(diff, HALF)
                    case 0 { sig := div(mul(ONE, ONE), add(ONE, expNeg(div(mul(sub(diff, HALF), steep), 100)))) }
                    default {
                        sig := sub(ONE, div(mul(ONE, ONE), add(ONE, expNeg(div(mul(sub(HALF, diff), steep), 100)))))
                    }
                }
                a := add(mload(add(fr, 0x60)), div(mul(sig, mload(add(fr, 0x80))), ONE))
            }
            // weight for bonds of a pair: x - (x - cw) x penalty / ONE with x = raw x ONE / rowSum, cw = min(x, c)
            function bondWeight(fr, col, raw) -> wb {
                let x := 0
                if raw { x := div(mul(raw, ONE), mload(add(fr, 0x40))) }
                let cw := and(mload(col), 0xffffffffffffffffffffffffffffffff)
                if lt(x, cw) { cw := x }
                // rank_j += cw x s_k (cw, s_k <= ONE)
                let rp := add(col, 64)
                mstore(rp, add(mload(rp), mul(cw, mload(add(fr, 0x1e0)))))
                wb := sub(x, div(mul(sub(x, cw), mload(add(fr, 0x20))), ONE))
            }
            // one pair: new u16 bond from the raw weight and the old bond; keeps nb, adds the column sum
            function lane(fr, col, nbp, raw, o) -> b16 {
                let wb := bondWeight(fr, col, raw)
                let b := 0
                if iszero(shr(255, mload(col))) { b := div(mul(o, ONE), 65535) }
                let a := liquidAlpha(fr, mload(add(col, 96)), wb, b)
                let nb := div(add(mul(sub(ONE, a), b), mul(a, wb)), ONE)
                if nb {
                    mstore(nbp, nb)
                    let cs := add(col, 32)
                    mstore(cs, add(mload(cs), nb))
                    b16 := div(add(mul(nb, 65535), HALF), ONE)
                }
            }
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
                    if or(raw, o) { packed := or(packed, shl(sh, lane(fr, col, nbp, raw, o))) }
                }
            }
            for { let s := 0 } lt(s, count) { s := add(s, 1) } {
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

    /// @notice Sigmoid of the liquid-alpha exponent for a diff (ALGORITHM.md liquidAlpha).
    function sigmoidOfDiff(uint256 diff, uint256 steepness) internal pure returns (uint256) {
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
}
