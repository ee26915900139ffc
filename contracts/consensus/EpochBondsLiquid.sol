// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ONE, HALF, LN2} from "./ConsensusTypes.sol";
// The constants below are used inside assembly functions, which solhint does not look into.
/* solhint-disable no-unused-import */
import {PassFrame, R_O, R_S, R_X, R_NB} from "./EpochPassFrame.sol";
/* solhint-enable no-unused-import */

/// @notice EpochBondsLanes.lane with liquid alpha (ALGORITHM.md step 9): per (validator, miner) pair an
/// EMA rate from a sigmoid of how far the weight sits above consensus (buying) or the bond above the
/// weight (selling), with the fixed-point e^-y the reference uses. Internal: inlined in EpochConsensusLib.
library EpochBondsLiquid {
    /// @dev The sigmoid's constants, passed to the assembly as one memory block.
    struct Sigmoid {
        uint256 low; // 0x00
        uint256 span; // 0x20
        uint256 steepness; // 0x40
        uint256 sigmoidZero; // 0x60 the sigmoid at diff 0
        uint256 penalty; // 0x80
        uint256 lc; // 0xa0 the consensus the lane's sigmoid compares with
        uint256 c; // 0xc0 the lane's consensus
        uint256 atZero; // 0xe0 the rate at diff 0: low + sigmoid(0) x span / ONE
    }

    /// @notice Lane `col` of every active row with consensus `c`; the rate of each pair is liquidAlpha(lc, wb, b).
    /// Keeps nb in the record (R_NB + 32 col); returns the rank sum (scale ONE^2) and the column sum.
    function lane(PassFrame memory p, uint256 col, uint256 c, uint256 lc)
        internal
        pure
        returns (uint256 rank, uint256 colSum)
    {
        uint256 list = p.activePtr;
        uint256 end = list + (p.activeCount << 5);
        // the lane's old bonds count only when it did not register within the last tempo
        uint256 oldMask = (p.fresh >> col) & 1 == 1 ? 0 : 0xffff;
        Sigmoid memory sg = Sigmoid(
            p.alphaLow,
            p.alphaSpan,
            p.steepness,
            p.sigmoidZero,
            p.penalty,
            lc,
            c,
            p.alphaLow + (p.sigmoidZero * p.alphaSpan) / ONE
        );
        assembly ("memory-safe") {
            // ALGORITHM.md expNeg, its series unrolled: rem < LN2, so the terms after the 17th are 0 (the
            // reference's loop stops at the first 0 term; adding the zeros after it changes nothing)
            function expNeg(y) -> r {
                let k := div(y, LN2)
                if lt(k, 64) {
                    let rem := sub(y, mul(k, LN2))
                    // invariant: term <= ONE and rem < LN2: every product stays below 2^120
                    let term := rem
                    let total := add(ONE, rem)
                    if term {
                        term := div(mul(term, rem), 2000000000000000000)
                        total := add(total, term)
                        term := div(mul(term, rem), 3000000000000000000)
                        total := add(total, term)
                        term := div(mul(term, rem), 4000000000000000000)
                        total := add(total, term)
                        term := div(mul(term, rem), 5000000000000000000)
                        total := add(total, term)
                        term := div(mul(term, rem), 6000000000000000000)
                        total := add(total, term)
                        if term {
                            term := div(mul(term, rem), 7000000000000000000)
                            total := add(total, term)
                            term := div(mul(term, rem), 8000000000000000000)
                            total := add(total, term)
                            term := div(mul(term, rem), 9000000000000000000)
                            total := add(total, term)
                            term := div(mul(term, rem), 10000000000000000000)
                            total := add(total, term)
                            term := div(mul(term, rem), 11000000000000000000)
                            total := add(total, term)
                            term := div(mul(term, rem), 12000000000000000000)
                            total := add(total, term)
                            if term {
                                term := div(mul(term, rem), 13000000000000000000)
                                total := add(total, term)
                                term := div(mul(term, rem), 14000000000000000000)
                                total := add(total, term)
                                term := div(mul(term, rem), 15000000000000000000)
                                total := add(total, term)
                                term := div(mul(term, rem), 16000000000000000000)
                                total := add(total, term)
                                term := div(mul(term, rem), 17000000000000000000)
                                total := add(total, term)
                            }
                        }
                    }
                    r := shr(k, div(mul(ONE, ONE), total))
                }
            }
            // the rate for a non-zero diff (ALGORITHM.md liquidAlpha), with the block's low, span, steepness
            function alphaOf(g, diff) -> a {
                let steep := mload(add(g, 0x40))
                let sig := 0
                switch lt(diff, HALF)
                case 0 { sig := div(mul(ONE, ONE), add(ONE, expNeg(div(mul(sub(diff, HALF), steep), 100)))) }
                default { sig := sub(ONE, div(mul(ONE, ONE), add(ONE, expNeg(div(mul(sub(HALF, diff), steep), 100))))) }
                a := add(mload(g), div(mul(sig, mload(add(g, 0x20))), ONE))
            }
            // the rows: clipped weight, weight for bonds, old bond, rate (diff = wb >= b ? max(wb - lc, 0)
            // : b - wb; the rate at diff 0 is precomputed), new bond
            function rows(q, e, sh, om, g) -> rk, cs {
                for {} lt(q, e) { q := add(q, 32) } {
                    let r := mload(q)
                    let x := mload(add(r, R_X))
                    // the old bond: 0 exactly when its u16 is 0
                    let b := div(mul(and(shr(sh, mload(add(r, R_O))), om), ONE), 65535)
                    let nb := 0
                    if or(x, b) {
                        let cw := mload(add(g, 0xc0))
                        if lt(x, cw) { cw := x }
                        // invariant: cw, s_k <= ONE; at most 64 terms: no overflow
                        rk := add(rk, mul(cw, mload(add(r, R_S))))
                        // invariant: cw <= x, so no underflow
                        let wb := sub(x, div(mul(sub(x, cw), mload(add(g, 0x80))), ONE))
                        let a := mload(add(g, 0xe0))
                        switch lt(wb, b)
                        case 0 {
                            if gt(wb, mload(add(g, 0xa0))) { a := alphaOf(g, sub(wb, mload(add(g, 0xa0)))) }
                        }
                        default { a := alphaOf(g, sub(b, wb)) }
                        // invariant: a <= ONE (low + span = high <= ONE), b, wb <= ONE
                        nb := div(add(mul(sub(ONE, a), b), mul(a, wb)), ONE)
                        cs := add(cs, nb)
                    }
                    mstore(add(r, add(R_NB, shl(1, sh))), nb)
                }
            }
            rank, colSum := rows(list, end, shl(4, col), oldMask, sg)
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
