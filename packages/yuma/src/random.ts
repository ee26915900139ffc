/**
 * Deterministic random subnets for differential tests, property tests and benchmarks.
 * The same seed gives the same subnet on every machine (integer-only generator).
 */
import { defaultYumaParams, type YumaInput, type YumaParams } from "./epoch";
import { ONE, U16_MAX } from "./fixed";

/** A random source: uniform floats in [0, 1). */
export type Rng = () => number;

/** A small deterministic generator (a 32-bit add-and-mix sequence) seeded by an integer. */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 2 ** 32;
  };
}

/** Uniform integer in [lo, hi]. */
export function randomInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** Uniform bigint in [0, max] (max < 2^104). */
export function randomBigint(rng: Rng, max: bigint): bigint {
  const limbs = [
    randomInt(rng, 0, 2 ** 26 - 1),
    randomInt(rng, 0, 2 ** 26 - 1),
    randomInt(rng, 0, 2 ** 26 - 1),
    randomInt(rng, 0, 2 ** 26 - 1),
  ];
  const x = limbs.reduce((acc, l) => (acc << 26n) | BigInt(l), 0n);
  return x % (max + 1n);
}

export interface RandomSubnetOptions {
  /** Uids 0..validators-1 hold stake and set weights. */
  validators: number;
  /** Uids validators..validators+miners-1 are miners (mostly without stake). */
  miners: number;
  /** Tokens to distribute (default 1,000 tokens). */
  emission?: bigint;
  /** Draw kappa, penalty, bond rate and liquid alpha at random too (default false). */
  randomParams?: boolean;
  /** Parameter overrides applied last. */
  params?: Partial<YumaParams>;
  /** Share of validators without a permit (default 0.1). */
  noPermitRate?: number;
  /** Share of validators whose last update is older than the activity cutoff (default 0.1). */
  inactiveRate?: number;
  /** Share of miners registered after some validators' last update (default 0.1). */
  lateRegistrationRate?: number;
  /** Share of non-zero entries in weight and bond rows (default 0.6). */
  density?: number;
}

/**
 * A random subnet of validators + miners uids: random stakes (up to 1M tokens), permits,
 * activity, registrations, sparse weight rows max-upscaled to 65535 as on chain, previous
 * bonds and previous consensus.
 */
export function randomSubnet(rng: Rng, opts: RandomSubnetOptions): YumaInput {
  const V = opts.validators;
  const n = V + opts.miners;
  const density = opts.density ?? 0.6;
  const base = opts.randomParams ? randomParams(rng) : defaultYumaParams;
  const params: YumaParams = {
    ...base,
    ...opts.params,
    liquidAlpha: { ...base.liquidAlpha, ...opts.params?.liquidAlpha },
  };
  const block = 100_000 + randomInt(rng, 0, 1_000_000);
  const isValidator = (i: number): boolean => i < V;

  const stake = [...Array(n).keys()].map((i) =>
    isValidator(i) ? 1n + randomBigint(rng, 1_000_000n * ONE) : rng() < 0.2 ? randomBigint(rng, 1_000n * ONE) : 0n,
  );
  const validatorPermit = stake.map((_, i) => isValidator(i) && rng() >= (opts.noPermitRate ?? 0.1));
  const lastUpdate = stake.map((_, i) => {
    if (!isValidator(i)) return randomInt(rng, 0, block);
    const stale = rng() < (opts.inactiveRate ?? 0.1);
    return stale
      ? Math.max(0, block - params.activityCutoff - 1 - randomInt(rng, 0, 10_000))
      : block - randomInt(rng, 0, Math.min(block, params.activityCutoff));
  });
  const oldestUpdate = Math.min(block, ...lastUpdate.slice(0, V));
  const registeredAt = stake.map((_, i) =>
    !isValidator(i) && rng() < (opts.lateRegistrationRate ?? 0.1)
      ? randomInt(rng, oldestUpdate, block)
      : randomInt(rng, 0, Math.max(0, oldestUpdate - 1)),
  );
  const sparseRow = (): number[] => {
    const row = stake.map(() => (rng() < density ? randomInt(rng, 1, U16_MAX) : 0));
    const top = Math.max(...row);
    return top === 0 ? row : row.map((x) => Math.floor((x * U16_MAX) / top));
  };
  const weights = stake.map((_, i) => (isValidator(i) && rng() < 0.95 ? sparseRow() : []));
  const bonds = stake.map((_, i) => (validatorPermit[i] && rng() < 0.8 ? sparseRow() : []));
  const previousConsensus = rng() < 0.8 ? stake.map(() => randomInt(rng, 0, U16_MAX)) : [];
  return {
    block,
    stake,
    validatorPermit,
    lastUpdate,
    registeredAt,
    weights,
    bonds,
    previousConsensus,
    emission: opts.emission ?? 1_000n * ONE,
    params,
  };
}

function randomParams(rng: Rng): YumaParams {
  const frac = (lo: number, hi: number): bigint =>
    (BigInt(Math.floor((lo + rng() * (hi - lo)) * 1e6)) * ONE) / 1_000_000n;
  const low = frac(0.02, 0.9);
  const consensusModes = ["current", "previous", "max", "auto"] as const;
  return {
    ...defaultYumaParams,
    kappa: frac(0.3, 0.8),
    bondsMovingAverage: frac(0.5, 0.99),
    bondsPenalty: rng() < 0.3 ? ONE : rng() < 0.3 ? 0n : frac(0, 1),
    liquidAlpha: {
      enabled: rng() < 0.5,
      low,
      high: low + (frac(0, 1) * (ONE - low)) / ONE,
      steepness: randomInt(rng, 0, 3000),
      consensusMode: consensusModes[randomInt(rng, 0, 3)] as (typeof consensusModes)[number],
    },
    maxValidators: randomInt(rng, 1, 64),
  };
}
