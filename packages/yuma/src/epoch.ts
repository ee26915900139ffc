/**
 * One epoch of Yuma consensus as Bittensor runs it today (Yuma 3: `Yuma3On`, per-pair bond EMA
 * toward the validator's clipped weight, dividends from column-normalised bonds), in integer
 * fixed point so that the Solidity port (contracts/consensus) returns the very same numbers.
 *
 * Fixed point: unsigned integers scaled by ONE = 10^18 (see ./fixed.ts); "x * y / z" below is
 * always an exact integer product followed by one floor division, "min"/"max" are integer
 * comparisons. On-chain inputs keep their on-chain units: weights, bonds and stored consensus
 * are u16 proportions (65535 = 1.0), stakes and emission are token amounts (10^18 units),
 * blocks are block numbers. ALGORITHM.md lists the integer operations in order.
 *
 * Steps (Bittensor pallets/subtensor/src/epoch/run_epoch.rs, `epoch`):
 *   1. Stake filter: a stake below `validatorMinStake` counts as 0.
 *   2. Activity: uid i is active iff lastUpdate[i] + activityCutoff >= block.
 *   3. New permits (output, used from the next epoch): the top `maxValidators` uids by stake
 *      among non-zero stakes; equal stakes rank the higher uid first (Bittensor's stable sort).
 *   4. Active stake: s_i = S_i * ONE / sum(S) with S_i = stake of active uids holding a permit
 *      in this epoch (`validatorPermit`), 0 otherwise.
 *   5. Weights: rows of uids without a permit are dropped, self-weights (i == j) are dropped,
 *      and so are "outdated" weights, set no later than the miner's registration
 *      (lastUpdate[i] <= registeredAt[j]); then each row is normalised to sum ONE.
 *   6. Consensus c_j: the stake-weighted kappa-quantile of column j over validators with
 *      s_i > 0: the smallest weight w_ij whose cumulative stake (of weights <= w_ij) exceeds
 *      (1 - kappa) of that stake. A majority of kappa of the stake sets it; a minority cannot
 *      raise it.
 *   7. Clipping: cw_ij = min(w_ij, c_j). Validator trust = sum_j cw_ij.
 *   8. Ranks r_j = sum_i cw_ij * s_i (fixed point); incentive = ranks normalised to sum ONE.
 *   9. Bonds (Yuma 3): weights for bonds wb = w - bondsPenalty * (w - cw) (penalty 1 bonds the
 *      clipped weight, 0 the raw one). Bonds to uids registered within the last tempo restart
 *      at 0. Each bond moves toward its weight: b' = (1 - a) * b + a * wb, with a = 1 -
 *      bondsMovingAverage, or with liquid alpha a per (validator, miner) pair from a sigmoid of
 *      how far the weight sits above consensus (buying) or the bond above the weight (selling).
 *      Bonds are stored as u16 (rounded to nearest), rows of uids without a new permit cleared.
 *  10. Dividends: d_i ∝ s_i * sum_j (b'_ij / sum_k b'_kj) * r_j / sum_k r_k (= incentive_j),
 *      normalised to ONE. Summing rank-weighted bond shares and dividing by the rank total once per
 *      validator lets the chain add the columns up chunk by chunk, before the rank total is known.
 *  11. Emission split: uid i receives incentive_i / (Σincentive + Σdividends) of the emission
 *      as a miner and dividends_i / (same) as a validator (50/50 whenever both are non-zero).
 *      When both are zero, validators are paid by active stake (or by stake if no stake is
 *      active). Floor rounding leaves `dust`, returned explicitly: paid + dust == emission.
 */
import { expNeg, fromU16, HALF as FX_HALF, ONE as FX_ONE, toU16, U16_MAX } from "./fixed";

// Local copies: imported bindings may compile to getters, measurably slow in inner loops.
const ONE = FX_ONE;
const HALF = FX_HALF;

/** Which consensus the liquid-alpha sigmoid compares weights with (Bittensor's ConsensusMode). */
export type LiquidAlphaConsensusMode = "current" | "previous" | "max" | "auto";

/** Liquid alpha: a bond EMA rate per (validator, miner) pair instead of one rate. */
export interface LiquidAlphaParams {
  enabled: boolean;
  /** Lowest EMA rate, fixed point (Bittensor default 0.7). */
  low: bigint;
  /** Highest EMA rate, fixed point (Bittensor default 0.9). */
  high: bigint;
  /** Sigmoid slope in Bittensor's units: the exponent is (steepness / 100) * (diff - 0.5). */
  steepness: number;
  /** Consensus compared with: this epoch's, the previous epoch's (`previousConsensus`), the
   *  larger of both, or "auto" (previous when bondsPenalty is ONE, else current). */
  consensusMode: LiquidAlphaConsensusMode;
}

export interface YumaParams {
  /** Majority that sets consensus, fixed point (0.5). */
  kappa: bigint;
  /** Bond EMA memory, fixed point; the EMA rate is ONE - bondsMovingAverage (0.9 -> 0.1). */
  bondsMovingAverage: bigint;
  /** 0: bonds follow raw weights; ONE: bonds follow clipped weights (fixed point). */
  bondsPenalty: bigint;
  liquidAlpha: LiquidAlphaParams;
  /** Blocks after its last weight update during which a validator counts as active. */
  activityCutoff: number;
  /** Validator permits granted (top uids by stake). */
  maxValidators: number;
  /** Blocks per epoch: bonds to uids registered in the last `tempo` blocks restart at 0. */
  tempo: number;
  /** Stakes below this count as zero (token units). */
  validatorMinStake: bigint;
}

export interface YumaInput {
  /** Current block. */
  block: number;
  /** Stake per uid (token units). Its length is the number of uids n. */
  stake: bigint[];
  /** Validator permits in force for this epoch (the previous epoch's `newValidatorPermit`). */
  validatorPermit: boolean[];
  /** Block of each uid's last weight update. */
  lastUpdate: number[];
  /** Block at which each uid was (last) registered. */
  registeredAt: number[];
  /** u16 weight rows (any scale, normalised here); a row is [] (no weights) or has n entries. */
  weights: number[][];
  /** u16 bonds from the previous epoch (its output `bonds`); a row is [] or has n entries. */
  bonds: number[][];
  /** u16 consensus from the previous epoch (output `consensusU16`); [] or n entries. */
  previousConsensus?: number[];
  /** Tokens to distribute this epoch to miners and validators. */
  emission: bigint;
  params: YumaParams;
}

export interface YumaOutput {
  /** Stake weights: filtered stake normalised to ONE. */
  stakeWeight: bigint[];
  /** Active stake: stake of active permitted validators normalised to ONE. */
  activeStake: bigint[];
  active: boolean[];
  /** Permits for the next epoch. */
  newValidatorPermit: boolean[];
  /** Consensus weight per uid (fixed point) and as stored on chain (u16, rounded to nearest). */
  consensus: bigint[];
  consensusU16: number[];
  /** Sum of each validator's clipped weights (fixed point, <= ONE). */
  validatorTrust: bigint[];
  /** Normalised clipped ranks (fixed point, sums to ONE minus rounding, or 0). */
  incentive: bigint[];
  /** Normalised dividends (fixed point, sums to ONE minus rounding, or 0). */
  dividends: bigint[];
  /** New u16 bonds, n x n (rows of uids without a new permit are zero). */
  bonds: number[][];
  /** Tokens per uid earned as a miner (by incentive). */
  minerEmission: bigint[];
  /** Tokens per uid earned as a validator (by dividends). */
  validatorEmission: bigint[];
  /** emission - sum(minerEmission) - sum(validatorEmission): rounding left undistributed. */
  dust: bigint;
}

/** Bittensor's defaults (kappa 32767/65535 ~ 0.5 is taken as exactly 0.5). */
export const defaultYumaParams: YumaParams = Object.freeze({
  kappa: ONE / 2n,
  bondsMovingAverage: (ONE * 9n) / 10n,
  bondsPenalty: ONE,
  liquidAlpha: Object.freeze({
    enabled: false,
    low: (ONE * 7n) / 10n,
    high: (ONE * 9n) / 10n,
    steepness: 1000,
    consensusMode: "auto" as LiquidAlphaConsensusMode,
  }),
  activityCutoff: 5000,
  maxValidators: 64,
  tempo: 360,
  validatorMinStake: 0n,
}) as YumaParams;

/** The input breaks a precondition; the message says which field and why. */
export class YumaInputError extends Error {
  override name = "YumaInputError";
}

/** Runs one epoch. Pure: the input is not modified. Throws YumaInputError on bad input. */
export function yumaEpoch(input: YumaInput): YumaOutput {
  validate(input);
  const p = input.params;
  const n = input.stake.length;
  const block = input.block;
  const range = [...Array(n).keys()];

  // 1. Stake filter and stake weights.
  const stake = input.stake.map((s) => (s < p.validatorMinStake ? 0n : s));
  const stakeTotal = sum(stake);
  const stakeWeight = stake.map((s) => (stakeTotal === 0n ? 0n : (s * ONE) / stakeTotal));

  // 2. Activity.
  const active = input.lastUpdate.map((u) => u + p.activityCutoff >= block);

  // 3. New permits: top maxValidators by (stake desc, uid desc), non-zero stake only.
  const newValidatorPermit = topKNonZero(stake, p.maxValidators);

  // 4. Active stake of permitted, active validators, normalised.
  const permitted = input.validatorPermit;
  const activeRaw = range.map((i) => (active[i] && permitted[i] ? (stake[i] as bigint) : 0n));
  const activeTotal = sum(activeRaw);
  const s = activeRaw.map((x) => (activeTotal === 0n ? 0n : (x * ONE) / activeTotal));

  // 5. Weights: permit, diagonal and outdated masks, then row normalisation. Rows of uids
  //    without a permit (or without weights) stay null: all zero.
  const w: (bigint[] | null)[] = range.map((i) => {
    const row = input.weights[i] as number[];
    if (!permitted[i] || row.length === 0) return null;
    const updated = input.lastUpdate[i] as number;
    const raw = range.map((j) =>
      i !== j && updated > (input.registeredAt[j] as number) ? BigInt(row[j] as number) : 0n,
    );
    const rowSum = sum(raw);
    if (rowSum === 0n) return null;
    return raw.map((x) => (x * ONE) / rowSum);
  });

  // 6. Consensus: stake-weighted kappa-quantile per column over validators with s_i > 0.
  const voters = range.filter((i) => (s[i] as bigint) > 0n && w[i] !== null);
  const voterStake = sum(range.filter((i) => (s[i] as bigint) > 0n).map((i) => s[i] as bigint));
  const threshold = voterStake * (ONE - p.kappa); // compare against cumulative stake * ONE
  const consensus = range.map((j) => kappaQuantile(voters, w, s, j, voterStake, threshold));

  // 7. Clip at consensus; validator trust.
  const cw = w.map((row) => (row === null ? null : row.map((x, j) => min(x, consensus[j] as bigint))));
  const validatorTrust = cw.map((row) => (row === null ? 0n : sum(row)));

  // 8. Ranks (fixed point: the stake-weighted sum of clipped weights, divided once) and incentive.
  const ranks = range.map((j) => {
    let r = 0n;
    for (const i of voters) r += ((cw[i] as bigint[])[j] as bigint) * (s[i] as bigint);
    return r / ONE;
  });
  const rankTotal = sum(ranks);
  const incentive = ranks.map((r) => (rankTotal === 0n ? 0n : (r * ONE) / rankTotal));

  // 9. Bonds.
  const wb = w.map((row, i) =>
    row === null ? null : row.map((x, j) => x - ((x - ((cw[i] as bigint[])[j] as bigint)) * p.bondsPenalty) / ONE),
  );
  const lastTempo = Math.max(block - p.tempo, 0);
  const freshCol = input.registeredAt.map((r) => lastTempo <= r);
  const laConsensus = liquidAlphaConsensus(p, consensus, input.previousConsensus ?? []);
  const liquid = p.liquidAlpha.enabled && laConsensus.some((c) => c > 0n);
  const fixedAlpha = ONE - p.bondsMovingAverage;
  const sigmoidCache = new Map<bigint, bigint>(); // pure speed-up: same values as uncached
  const newBonds: (bigint[] | null)[] = range.map((i) => {
    const old = input.bonds[i] as number[];
    const wRow = wb[i] ?? null;
    if (old.length === 0 && wRow === null) return null;
    return range.map((j) => {
      const b = old.length === 0 || freshCol[j] ? 0n : fromU16(old[j] as number);
      const x = wRow === null ? 0n : (wRow[j] as bigint);
      const a = liquid ? liquidAlpha(p.liquidAlpha, laConsensus[j] as bigint, x, b, sigmoidCache) : fixedAlpha;
      return ((ONE - a) * b + a * x) / ONE;
    });
  });
  const bonds = range.map((i) => {
    const row = newBonds[i];
    return newValidatorPermit[i] && row ? row.map(toU16) : new Array<number>(n).fill(0);
  });

  // 10. Dividends from column-normalised bonds. The bond income T_i weighs bond shares by rank (not
  //     by incentive), so that it sums column by column without the rank total; the division by
  //     the rank total comes once per validator, here.
  const colSum = range.map((j) => {
    let t = 0n;
    for (const row of newBonds) if (row) t += row[j] as bigint;
    return t;
  });
  const stakeBonds = range.map((i) => {
    const row = newBonds[i];
    if (!row || s[i] === 0n || rankTotal === 0n) return 0n;
    let t = 0n;
    for (const j of range) {
      const c = colSum[j] as bigint;
      if (c !== 0n) t += (((row[j] as bigint) * ONE) / c) * (ranks[j] as bigint);
    }
    return (t / rankTotal) * (s[i] as bigint);
  });
  const stakeBondsTotal = sum(stakeBonds);
  const dividends = stakeBonds.map((x) => (stakeBondsTotal === 0n ? 0n : (x * ONE) / stakeBondsTotal));

  // 11. Emission split.
  const e = input.emission;
  const scoreTotal = sum(incentive) + sum(dividends);
  let minerEmission: bigint[];
  let validatorEmission: bigint[];
  if (scoreTotal > 0n) {
    minerEmission = incentive.map((x) => (x * e) / scoreTotal);
    validatorEmission = dividends.map((x) => (x * e) / scoreTotal);
  } else {
    const basis = activeTotal > 0n ? activeRaw : stake;
    const basisTotal = activeTotal > 0n ? activeTotal : stakeTotal;
    minerEmission = range.map(() => 0n);
    validatorEmission = basis.map((x) => (basisTotal === 0n ? 0n : (x * e) / basisTotal));
  }
  const dust = e - sum(minerEmission) - sum(validatorEmission);

  return {
    stakeWeight,
    activeStake: s,
    active,
    newValidatorPermit,
    consensus,
    consensusU16: consensus.map(toU16),
    validatorTrust,
    incentive,
    dividends,
    bonds,
    minerEmission,
    validatorEmission,
    dust,
  };
}

/**
 * Smallest w_ij (i in voters) with sum{s_k : w_kj <= w_ij} * ONE > threshold, where
 * threshold = voterStake * (ONE - kappa); the largest w_ij if none qualifies (kappa = 0);
 * 0 without voters. Voters without weights (null rows) vote 0 and are not listed.
 */
function kappaQuantile(
  voters: number[],
  w: (bigint[] | null)[],
  s: bigint[],
  j: number,
  voterStake: bigint,
  threshold: bigint,
): bigint {
  if (voterStake === 0n) return 0n;
  const votes = voters.map((i) => ({ v: (w[i] as bigint[])[j] as bigint, st: s[i] as bigint }));
  // Validators with stake but no weight row vote 0.
  let cumulative = voterStake - sum(votes.map((x) => x.st));
  votes.sort((a, b) => (a.v < b.v ? -1 : a.v > b.v ? 1 : 0));
  if (cumulative * ONE > threshold) return 0n;
  // Walk groups of equal values; the first whose cumulative stake passes the threshold wins.
  for (let k = 0; k < votes.length; k++) {
    const { v, st } = votes[k] as { v: bigint; st: bigint };
    cumulative += st;
    const next = votes[k + 1];
    if (next !== undefined && next.v === v) continue;
    if (cumulative * ONE > threshold) return v;
  }
  return votes.length === 0 ? 0n : (votes[votes.length - 1] as { v: bigint }).v;
}

/** Consensus the liquid-alpha sigmoid compares with. */
function liquidAlphaConsensus(p: YumaParams, current: bigint[], previousU16: number[]): bigint[] {
  const previous = current.map((_, j) => (previousU16.length === 0 ? 0n : fromU16(previousU16[j] as number)));
  const mode =
    p.liquidAlpha.consensusMode === "auto"
      ? p.bondsPenalty === ONE
        ? "previous"
        : "current"
      : p.liquidAlpha.consensusMode;
  if (mode === "current") return current;
  if (mode === "previous") return previous;
  return current.map((c, j) => max(c, previous[j] as bigint));
}

/**
 * Liquid alpha for one (validator, miner) pair (Bittensor `alpha_sigmoid`):
 *   diff = w >= b ? max(w - c, 0) : b - w          (buying above consensus / selling)
 *   x    = steepness * (diff - 1/2) / 100           (signed; magnitude floored)
 *   a    = low + sigmoid(x) * (high - low) / ONE
 */
export function liquidAlpha(
  la: LiquidAlphaParams,
  c: bigint,
  w: bigint,
  b: bigint,
  cache?: Map<bigint, bigint>,
): bigint {
  const diff = w >= b ? (w > c ? w - c : 0n) : b - w;
  let sig = cache?.get(diff);
  if (sig === undefined) {
    const up = diff >= HALF;
    const magnitude = ((up ? diff - HALF : HALF - diff) * BigInt(la.steepness)) / 100n;
    const pos = (ONE * ONE) / (ONE + expNeg(magnitude));
    sig = up ? pos : ONE - pos;
    cache?.set(diff, sig);
  }
  return la.low + (sig * (la.high - la.low)) / ONE;
}

/** Permit i iff stake_i > 0 and fewer than k uids rank above it by (stake desc, uid desc). */
function topKNonZero(stake: bigint[], k: number): boolean[] {
  const order = [...stake.keys()].sort((a, b) => {
    const sa = stake[a] as bigint;
    const sb = stake[b] as bigint;
    return sa > sb ? -1 : sa < sb ? 1 : b - a;
  });
  const permit = stake.map(() => false);
  order.slice(0, k).forEach((i) => {
    if ((stake[i] as bigint) > 0n) permit[i] = true;
  });
  return permit;
}

function sum(xs: bigint[]): bigint {
  let t = 0n;
  for (const x of xs) t += x;
  return t;
}
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

const MAX_AMOUNT = 2n ** 100n;

function validate(input: YumaInput): void {
  const fail = (msg: string): never => {
    throw new YumaInputError(msg);
  };
  const n = input.stake.length;
  const isBlock = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0;
  const isU16 = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= U16_MAX;
  if (!isBlock(input.block)) fail(`block must be a non-negative safe integer, got ${input.block}`);
  for (const [name, arr] of [
    ["validatorPermit", input.validatorPermit],
    ["lastUpdate", input.lastUpdate],
    ["registeredAt", input.registeredAt],
    ["weights", input.weights],
    ["bonds", input.bonds],
  ] as const) {
    if (arr.length !== n) fail(`${name} has ${arr.length} entries, stake has ${n}: give one per uid`);
  }
  input.stake.forEach((x, i) => x < 0n && fail(`stake[${i}] is negative (${x})`));
  input.lastUpdate.forEach((x, i) => !isBlock(x) && fail(`lastUpdate[${i}] is not a block number (${x})`));
  input.registeredAt.forEach((x, i) => !isBlock(x) && fail(`registeredAt[${i}] is not a block number (${x})`));
  for (const [name, m] of [
    ["weights", input.weights],
    ["bonds", input.bonds],
  ] as const) {
    m.forEach((row, i) => {
      if (row.length !== 0 && row.length !== n) fail(`${name}[${i}] has ${row.length} entries: give [] or ${n}`);
      row.forEach((x, j) => !isU16(x) && fail(`${name}[${i}][${j}] = ${x} is not a u16 (0..65535)`));
    });
  }
  const pc = input.previousConsensus ?? [];
  if (pc.length !== 0 && pc.length !== n) fail(`previousConsensus has ${pc.length} entries: give [] or ${n}`);
  pc.forEach((x, j) => !isU16(x) && fail(`previousConsensus[${j}] = ${x} is not a u16`));
  if (input.emission < 0n) fail(`emission is negative (${input.emission})`);
  // Bounds under which no product exceeds 2^200 (ALGORITHM.md): the port never overflows.
  if (sum(input.stake) >= MAX_AMOUNT) fail(`total stake must stay below 2^100 token units`);
  if (input.emission >= MAX_AMOUNT) fail(`emission must stay below 2^100 token units`);

  const p = input.params;
  const unit = (name: string, x: bigint): void => {
    if (x < 0n || x > ONE) fail(`params.${name} = ${x} must lie in [0, ONE = 10^18]`);
  };
  unit("kappa", p.kappa);
  unit("bondsMovingAverage", p.bondsMovingAverage);
  unit("bondsPenalty", p.bondsPenalty);
  unit("liquidAlpha.low", p.liquidAlpha.low);
  unit("liquidAlpha.high", p.liquidAlpha.high);
  if (p.liquidAlpha.low > p.liquidAlpha.high) fail(`params.liquidAlpha.low exceeds high`);
  if (!Number.isInteger(p.liquidAlpha.steepness) || p.liquidAlpha.steepness < 0 || p.liquidAlpha.steepness > 32767)
    fail(`params.liquidAlpha.steepness must be an integer in [0, 32767], got ${p.liquidAlpha.steepness}`);
  if (!["current", "previous", "max", "auto"].includes(p.liquidAlpha.consensusMode))
    fail(`params.liquidAlpha.consensusMode must be current, previous, max or auto`);
  for (const name of ["activityCutoff", "maxValidators", "tempo"] as const) {
    if (!isBlock(p[name])) fail(`params.${name} must be a non-negative integer, got ${p[name]}`);
  }
  if (p.validatorMinStake < 0n) fail(`params.validatorMinStake is negative`);
}
