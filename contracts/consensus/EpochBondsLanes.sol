// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// The constants below are used inside assembly functions, which solhint does not look into.
/* solhint-disable no-unused-import */
import {ONE, HALF} from "./ConsensusTypes.sol";
import {PassFrame, R_O, R_S, R_X, R_T, R_INFO, R_BBASE, R_NB, I_KEEP_SHIFT} from "./EpochPassFrame.sol";
/* solhint-enable no-unused-import */

/// @notice The bonds of a PASS slot with the fixed EMA rate (ALGORITHM.md steps 7-10): per lane the
/// clipped weights and rank, the bond EMA and the column sum; at the slot's end each row's u16 bonds
/// (stored) and bond income. Internal: inlined in EpochConsensusLib.
library EpochBondsLanes {
    /// @notice Every active row of lane `col` with consensus `c`: cw = min(x, c), rank += cw x s_k,
    /// wb = x - (x - cw) x penalty / ONE, b = the old bond (0 when fresh), nb = ((ONE - a) x b + a x wb)
    /// / ONE, kept in the record (R_NB + 32 col). Returns the rank sum (scale ONE^2) and the column sum.
    function lane(PassFrame memory p, uint256 col, uint256 c) internal pure returns (uint256 rank, uint256 colSum) {
        uint256 list = p.activePtr;
        uint256 end = list + (p.activeCount << 5);
        // the lane's old bonds count only when it did not register within the last tempo
        uint256 oldMask = (p.fresh >> col) & 1 == 1 ? 0 : 0xffff;
        // alpha and penalty (both <= ONE < 2^64) in one word
        uint256 ap = p.alpha | (p.penalty << 128);
        assembly ("memory-safe") {
            // the rows with penalty ONE (the default): the weight for bonds is the clipped weight
            function clipped(q, e, sh, om, cons, al) -> rk, cs {
                let nbOff := add(R_NB, shl(1, sh))
                for {} lt(q, e) { q := add(q, 32) } {
                    let r := mload(q)
                    let x := mload(add(r, R_X))
                    let ob := and(shr(sh, mload(add(r, R_O))), om)
                    let nb := 0
                    if or(x, ob) {
                        if lt(cons, x) { x := cons }
                        // invariant: cw, s_k <= ONE; at most 64 terms: no overflow
                        rk := add(rk, mul(x, mload(add(r, R_S))))
                        // invariant: a, b, cw <= ONE: the products stay below 2^120
                        nb := div(add(mul(sub(ONE, al), div(mul(ob, ONE), 65535)), mul(al, x)), ONE)
                        cs := add(cs, nb)
                    }
                    mstore(add(r, nbOff), nb)
                }
            }
            // any penalty: wb = x - (x - cw) x penalty / ONE
            function penalised(q, e, sh, om, cons, pa) -> rk, cs {
                let nbOff := add(R_NB, shl(1, sh))
                for {} lt(q, e) { q := add(q, 32) } {
                    let r := mload(q)
                    let x := mload(add(r, R_X))
                    let ob := and(shr(sh, mload(add(r, R_O))), om)
                    let nb := 0
                    if or(x, ob) {
                        let cw := x
                        if lt(cons, x) { cw := cons }
                        rk := add(rk, mul(cw, mload(add(r, R_S))))
                        let al := and(pa, 0xffffffffffffffffffffffffffffffff)
                        // invariant: cw <= x, so no underflow; a, b, wb <= ONE
                        let wb := sub(x, div(mul(sub(x, cw), shr(128, pa)), ONE))
                        nb := div(add(mul(sub(ONE, al), div(mul(ob, ONE), 65535)), mul(al, wb)), ONE)
                        cs := add(cs, nb)
                    }
                    mstore(add(r, nbOff), nb)
                }
            }
            switch eq(shr(128, ap), ONE)
            case 1 { rank, colSum := clipped(list, end, shl(4, col), oldMask, c, and(ap, 0xffffffffffffffff)) }
            default { rank, colSum := penalised(list, end, shl(4, col), oldMask, c, ap) }
        }
    }

    /// @notice The slot's end, per active row: its new u16 bonds (rounded half up) stored where they changed
    /// (0 without a permit next epoch), and T_k += (nb_kj x ONE / colSum_j) x rank_j over the lanes
    /// (ALGORITHM.md step 10; rows without active stake collect it too, unused).
    function finishSlot(PassFrame memory p) internal {
        uint256 list = p.activePtr;
        uint256 end = list + (p.activeCount << 5);
        // lane data: rank at lanePtr + 32 l, column sum at lanePtr + 512 + 32 l (colSumPtr follows rankPtr)
        uint256 ranks = p.rankPtr;
        uint256 lanesAndSlot = (p.lanes << 8) | p.t;
        assembly ("memory-safe") {
            // packed u16 bonds and income of one row: lane l lands in bits 16 l (each step shifts right)
            function rowOf(r, rk, n) -> packed, income {
                let nbp := add(r, R_NB)
                for { let l := 0 } lt(l, n) { l := add(l, 1) } {
                    let off := shl(5, l)
                    let nb := mload(add(nbp, off))
                    packed := shr(16, packed)
                    if nb {
                        packed := or(packed, shl(240, div(add(mul(nb, 65535), HALF), ONE)))
                        // invariant: 0 < nb <= colSum and rank <= ONE: each term <= ONE^2
                        income := add(income, mul(div(mul(nb, ONE), mload(add(add(rk, 512), off))), mload(add(rk, off))))
                    }
                }
                packed := shr(shl(4, sub(16, n)), packed)
            }
            let n := shr(8, lanesAndSlot)
            let slot := and(lanesAndSlot, 0xff)
            for {} lt(list, end) { list := add(list, 32) } {
                let r := mload(list)
                let packed, income := rowOf(r, ranks, n)
                if income {
                    // invariant: T_k <= ONE x rankTotal <= ONE^2 over the whole epoch
                    mstore(add(r, R_T), add(mload(add(r, R_T)), income))
                }
                // a row without a permit next epoch keeps no bonds
                packed := mul(and(shr(I_KEEP_SHIFT, mload(add(r, R_INFO))), 1), packed)
                if iszero(eq(packed, mload(add(r, R_O)))) { sstore(add(mload(add(r, R_BBASE)), slot), packed) }
            }
        }
    }
}
