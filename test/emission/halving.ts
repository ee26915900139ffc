/**
 * Reference halving schedule in bigint, written independently of the contract's segment walk:
 * the per-block reward from its definition, and sums of per-block rewards.
 */

export const CAP = 21_000_000n * 10n ** 18n;
export const INITIAL_REWARD = 10n ** 18n;
export const MAX_BPS = 10_000n;

/** Largest k with (cap - issued) * 2^k <= cap (issued < cap). */
export function bandOf(issued: bigint, cap: bigint = CAP): number {
  const remaining = cap - issued;
  // Start from a lower bound by bit lengths (2^(bl(cap)-1) <= cap, remaining < 2^bl(rem)), then step up.
  let k = Math.max(0, cap.toString(2).length - remaining.toString(2).length - 1);
  while (remaining << BigInt(k + 1) <= cap) k++;
  return k;
}

/** First issuance of band k: T_k = cap - floor(cap / 2^k). */
export function threshold(k: number, cap: bigint = CAP): bigint {
  return cap - (cap >> BigInt(k));
}

/** Reward of one block at issuance `issued`: min(1e18 >> k, cap - issued); 0 at the cap. */
export function rewardRef(issued: bigint, cap: bigint = CAP): bigint {
  if (issued >= cap) return 0n;
  const reward = INITIAL_REWARD >> BigInt(bandOf(issued, cap));
  const remaining = cap - issued;
  return reward < remaining ? reward : remaining;
}

/** Sum of per-block rewards over `blocks` blocks, one block at a time (for small `blocks`). */
export function emissionPerBlock(issued: bigint, blocks: bigint, cap: bigint = CAP): bigint {
  let total = 0n;
  for (let i = 0n; i < blocks; i++) {
    const r = rewardRef(issued + total, cap);
    if (r === 0n) break;
    total += r;
  }
  return total;
}

/**
 * Same sum for any `blocks`: from each block, jumps over the run of blocks paying the same reward,
 * found by galloping + binary search on rewardRef alone (no knowledge of band thresholds).
 */
export function emissionRef(issued: bigint, blocks: bigint, cap: bigint = CAP): bigint {
  let total = 0n;
  let left = blocks;
  while (left > 0n) {
    const at = issued + total;
    const r = rewardRef(at, cap);
    if (r === 0n) break;
    // Largest j <= left such that blocks 0..j-1 from `at` all pay r (reward is non-increasing).
    const same = (j: bigint): boolean => rewardRef(at + (j - 1n) * r, cap) === r;
    let lo = 1n; // same(lo) holds
    let hi = left + 1n; // exclusive bound: same(hi) fails or hi is past `left`
    for (let step = 1n; lo + step <= left; step *= 2n) {
      if (!same(lo + step)) {
        hi = lo + step;
        break;
      }
      lo += step;
    }
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if (same(mid)) lo = mid;
      else hi = mid;
    }
    total += lo * r;
    left -= lo;
  }
  return total;
}
