// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Selection kernels of the epoch over memory arrays of packed words, in assembly: they run
/// once per miner column (64 validators x 256 miners per epoch), so every gas unit counts.
/// @dev Results never depend on the pivot choice (a quantile and a top-k set are unique), so the
/// pivots are pseudo-random (seeded per epoch) to keep the expected work linear whatever the input.
library YumaKernels {
    /// @notice Weighted quantile, ascending: the smallest value x with sum(stake of entries whose value
    /// <= x) >= need. Entries are (value << 128 | stake) words in memory at [ptr, ptr + 32 * len).
    /// @dev Requires need > 0 and the entries' total stake >= need (so a value is always found).
    /// Reorders the entries. Quickselect with Hoare partitions around a random pivot: every value of the
    /// left part is <= every value of the right part, so the quantile is in the left part when its stake
    /// reaches `need`, else in the right part for the rest of `need`. After 12 rounds (unlucky pivots)
    /// the rest is sorted by insertion, which bounds the worst case.
    function quantileAsc(uint256 ptr, uint256 len, uint256 need, uint256 seed) internal pure returns (uint256 value) {
        assembly ("memory-safe") {
            let lo := ptr
            let hi := add(ptr, shl(5, len)) // exclusive
            for { let round := 0 } 1 { round := add(round, 1) } {
                if eq(sub(hi, lo), 32) {
                    value := shr(128, mload(lo))
                    break
                }
                if gt(round, 12) {
                    // insertion sort of [lo, hi) by word (value first), then walk the cumulative stake
                    for { let p := add(lo, 32) } lt(p, hi) { p := add(p, 32) } {
                        let e := mload(p)
                        let q := p
                        for {} and(gt(q, lo), gt(mload(sub(q, 32)), e)) { q := sub(q, 32) } {
                            mstore(q, mload(sub(q, 32)))
                        }
                        mstore(q, e)
                    }
                    for { let p := lo } 1 { p := add(p, 32) } {
                        let e := mload(p)
                        let s := and(e, 0xffffffffffffffffffffffffffffffff)
                        if iszero(lt(s, need)) {
                            value := shr(128, e)
                            break
                        }
                        need := sub(need, s)
                    }
                    break
                }
                // 64-bit LCG (Knuth MMIX); its high bits pick the pivot, moved to the front
                seed := and(add(mul(seed, 6364136223846793005), 1442695040888963407), 0xffffffffffffffff)
                let pp := add(lo, shl(5, mod(shr(32, seed), shr(5, sub(hi, lo)))))
                let e := mload(pp)
                mstore(pp, mload(lo))
                mstore(lo, e)
                // compare whole words: below = value < pivot value, above = value > pivot value
                let below := shl(128, shr(128, e))
                let above := or(below, 0xffffffffffffffffffffffffffffffff)
                // Hoare partition: [lo, j] <= pivot value <= [j + 32, hi), both parts non-empty
                let i := sub(lo, 32)
                let j := hi
                for {} 1 {} {
                    for { i := add(i, 32) } lt(mload(i), below) { i := add(i, 32) } {}
                    for { j := sub(j, 32) } gt(mload(j), above) { j := sub(j, 32) } {}
                    if iszero(lt(i, j)) { break }
                    let t := mload(i)
                    mstore(i, mload(j))
                    mstore(j, t)
                }
                let ls := 0
                for { let q := lo } iszero(gt(q, j)) { q := add(q, 32) } {
                    ls := add(ls, and(mload(q), 0xffffffffffffffffffffffffffffffff))
                }
                switch lt(ls, need)
                case 0 { hi := add(j, 32) }
                default {
                    need := sub(need, ls)
                    lo := add(j, 32)
                }
            }
        }
    }

    /// @notice quantileAsc for entries whose quantile is probably close to `guess` (the column's consensus
    /// of the last epoch): one pass sorts the entries into 16 value buckets of width guess / 128 around
    /// the guess (the outer two open-ended), the bucket holding the quantile is found from the buckets'
    /// stakes, and the quantile is selected among that bucket's entries only. Same result as quantileAsc
    /// (buckets are value ranges in order); a bad guess costs gas, never correctness.
    /// @dev Same requirements as quantileAsc; stakes must be below 2^120 (bits 120-127 hold the bucket).
    function quantileNear(uint256 ptr, uint256 len, uint256 need, uint256 guess, uint256 seed)
        internal
        pure
        returns (uint256)
    {
        uint256 h = guess >> 7;
        if (len < 12 || h == 0) return quantileAsc(ptr, len, need, seed);
        uint256[16] memory bucket;
        uint256 m;
        assembly ("memory-safe") {
            let end := add(ptr, shl(5, len))
            for { let p := ptr } lt(p, end) { p := add(p, 32) } {
                let e := mload(p)
                let x := shr(128, e)
                let b := 0
                switch lt(x, guess)
                case 1 {
                    let d := div(sub(sub(guess, 1), x), h)
                    if gt(d, 7) { d := 7 }
                    b := sub(7, d)
                }
                default {
                    let d := div(sub(x, guess), h)
                    if gt(d, 7) { d := 7 }
                    b := add(8, d)
                }
                mstore(p, or(e, shl(120, b)))
                let bp := add(bucket, shl(5, b))
                // invariant: stakes below 2^120, at most 2^16 entries: bucket sums do not overflow
                mstore(bp, add(mload(bp), and(e, 0xffffffffffffffffffffffffffffff)))
            }
            // the bucket where the cumulative stake reaches need (need <= total stake: always found)
            let target := 15
            for { let b := 0 } lt(b, 16) { b := add(b, 1) } {
                let s := mload(add(bucket, shl(5, b)))
                if iszero(lt(s, need)) {
                    target := b
                    break
                }
                need := sub(need, s)
            }
            // its entries to the front, bucket bits cleared (m <= p: nothing unread is overwritten)
            let clear := not(shl(120, 0xff))
            for { let p := ptr } lt(p, end) { p := add(p, 32) } {
                let e := mload(p)
                if eq(and(shr(120, e), 0xff), target) {
                    mstore(add(ptr, shl(5, m)), and(e, clear))
                    m := add(m, 1)
                }
            }
        }
        return quantileAsc(ptr, m, need, seed);
    }

    /// @notice Moves the `k` largest words of [ptr, ptr + 32 * len) to the front (any order) and returns
    /// the k-th largest. Requires 0 < k <= len and distinct words.
    function selectTopDesc(uint256 ptr, uint256 len, uint256 k, uint256 seed) internal pure returns (uint256 kth) {
        assembly ("memory-safe") {
            let lo := 0
            let hi := len
            for {} 1 {} {
                seed := and(add(mul(seed, 6364136223846793005), 1442695040888963407), 0xffffffffffffffff)
                let pv := mload(add(ptr, shl(5, add(lo, mod(shr(32, seed), sub(hi, lo))))))
                // partition [lo, hi): words > pv first, then pv, then smaller (words are distinct)
                let store := lo
                for { let i := lo } lt(i, hi) { i := add(i, 1) } {
                    let pi := add(ptr, shl(5, i))
                    let e := mload(pi)
                    if gt(e, pv) {
                        let ps := add(ptr, shl(5, store))
                        mstore(pi, mload(ps))
                        mstore(ps, e)
                        store := add(store, 1)
                    }
                }
                // store = index where pv belongs; move pv there
                for { let i := store } lt(i, hi) { i := add(i, 1) } {
                    let pi := add(ptr, shl(5, i))
                    if eq(mload(pi), pv) {
                        let ps := add(ptr, shl(5, store))
                        mstore(pi, mload(ps))
                        mstore(ps, pv)
                        break
                    }
                }
                let rank := add(store, 1) // pv is the rank-th largest
                if eq(rank, k) {
                    kth := pv
                    break
                }
                switch lt(rank, k)
                case 1 { lo := rank }
                default { hi := store }
            }
        }
    }
}
