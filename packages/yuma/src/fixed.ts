/**
 * Fixed-point arithmetic shared by the Yuma epoch and its Solidity port.
 *
 * Representation: an unsigned integer scaled by ONE = 10^18 ("wad"); 0.25 is 250000000000000000n.
 * Every operation is one a Solidity `uint256` reproduces bit for bit:
 *   - `a * b / c` with floor rounding (with stakes and emission below 2^100 no product in the
 *     epoch exceeds 2^200, so plain checked `uint256` arithmetic suffices: no 512-bit mulDiv),
 *   - `+`, `-` (never below zero), comparisons, and `>>` by a small shift.
 * No floating point anywhere.
 */

/** 1.0 in fixed point. */
export const ONE = 10n ** 18n;
/** 0.5 in fixed point (exact). */
export const HALF = ONE / 2n;
/** Largest u16, the scale of on-chain weights, bonds and stored consensus. */
export const U16_MAX = 65_535;
const U16 = 65_535n;
/** floor(ln(2) * 10^18). */
export const LN2 = 693_147_180_559_945_309n;
/** k * ONE for the Taylor series of expNeg (k = 0..32). */
const TAYLOR_DIVISORS = Array.from({ length: 33 }, (_, k) => BigInt(k) * ONE);

/** u16 proportion (0..65535) to fixed point: floor(x * ONE / 65535). */
export function fromU16(x: number): bigint {
  return (BigInt(x) * ONE) / U16;
}

/**
 * Fixed-point proportion (0..ONE) to u16, rounded to nearest (half up):
 * floor((x * 65535 + ONE / 2) / ONE). Rounding (not flooring) makes u16 -> fixed -> u16 an
 * exact round trip, so a stored bond at its target does not creep down by one unit per epoch.
 */
export function toU16(x: bigint): number {
  return Number((x * U16 + HALF) / ONE);
}

/**
 * e^(-y) for a fixed-point y >= 0, in fixed point.
 *
 *   n = floor(y / LN2), r = y - n * LN2            (0 <= r < LN2, so e^r is in [1, 2))
 *   E = sum_{k>=0} r^k / k!                        (Taylor series of e^r, in fixed point:
 *        term_0 = ONE; term_k = floor(term_{k-1} * r / (k * ONE)); stop at the first zero term;
 *        it is zero by k = 18 at the latest since r < ln 2)
 *   e^(-y) = floor(ONE * ONE / E) >> n             (e^-y = 2^-n * e^-r)
 *
 * For n >= 60 the result is 0 (ONE < 2^60); the early return below only short-cuts that.
 * Accuracy: within a few units of 1e-18 relative to the exact value.
 */
export function expNeg(y: bigint): bigint {
  if (y < 0n) throw new RangeError(`expNeg needs y >= 0, got ${y}`);
  const n = y / LN2;
  if (n >= 64n) return 0n;
  const r = y - n * LN2;
  let sum = ONE;
  let term = ONE;
  for (let k = 1; k <= 32; k++) {
    term = (term * r) / (TAYLOR_DIVISORS[k] as bigint);
    if (term === 0n) break;
    sum += term;
  }
  return ((ONE * ONE) / sum) >> n;
}

/**
 * The logistic function 1 / (1 + e^-x) in fixed point, for a signed fixed-point x.
 *   x >= 0: floor(ONE * ONE / (ONE + expNeg(x)))
 *   x <  0: ONE - sigmoid(-x)
 * Result in [0, ONE]; sigmoid(0) = HALF exactly.
 */
export function sigmoid(x: bigint): bigint {
  const pos = (ONE * ONE) / (ONE + expNeg(x >= 0n ? x : -x));
  return x >= 0n ? pos : ONE - pos;
}
