/**
 * A multi-epoch simulation of a subnet running Yuma consensus, to see who earns what.
 *
 * Miners have a hidden quality in [0, 1] that drifts (a random walk) and is sometimes redrawn
 * (a miner upgrades its model, or breaks). Validators set weights every epoch:
 *  - honest: noisy observations of each miner's quality, weight = max(obs, 0)^sharpness;
 *  - lazy:   the same weight on every miner;
 *  - copier: the public consensus. Without commit-reveal weights are public when set, so the
 *            copier sees the consensus of the last epoch; with commit-reveal weights are only
 *            revealed an epoch later, so it copies the consensus of two epochs ago.
 * Each epoch runs `yumaEpoch` and credits its emission; the result is cumulative tokens.
 */
import { defaultYumaParams, yumaEpoch, type YumaInput, type YumaParams } from "./epoch";
import { ONE, U16_MAX } from "./fixed";
import { seededRng, type Rng } from "./random";

export type SimValidatorKind = "honest" | "lazy" | "copier";

export interface SimValidator {
  kind: SimValidatorKind;
  /** Stake in whole tokens. */
  stake: number;
}

export interface SimOptions {
  epochs: number;
  validators: SimValidator[];
  miners: number;
  seed: number;
  /** Weights revealed one epoch after they are set (copiers see older consensus). */
  commitReveal: boolean;
  /** Standard deviation of an honest validator's observation noise (default 0.05). */
  noise?: number;
  /** Standard deviation of each miner's quality drift per epoch (default 0.05). */
  drift?: number;
  /** Chance per epoch that a miner's quality is redrawn (default 0.05). */
  churn?: number;
  /** Exponent honest validators apply to observed quality (default 2). */
  sharpness?: number;
  /** Tokens emitted to miners and validators per epoch (default 100). */
  emissionPerEpoch?: bigint;
  params?: Partial<YumaParams>;
}

export interface SimValidatorResult extends SimValidator {
  uid: number;
  /** Cumulative validator emission (dividends), token units (10^18). */
  dividends: bigint;
  /** Cumulative dividends in whole tokens per whole token staked. */
  perStake: number;
}

export interface SimMinerResult {
  uid: number;
  /** Quality at the end of the run. */
  quality: number;
  /** Cumulative miner emission (incentive), token units. */
  incentive: bigint;
}

export interface SimResult {
  validators: SimValidatorResult[];
  miners: SimMinerResult[];
  /** Rounding dust kept undistributed over the run, token units. */
  dust: bigint;
}

/** Runs the simulation; deterministic for a given seed. */
export function simulate(opts: SimOptions): SimResult {
  const rng = seededRng(opts.seed);
  const V = opts.validators.length;
  const M = opts.miners;
  const n = V + M;
  const params: YumaParams = { ...defaultYumaParams, ...opts.params };
  const noise = opts.noise ?? 0.05;
  const drift = opts.drift ?? 0.05;
  const churn = opts.churn ?? 0.05;
  const sharpness = opts.sharpness ?? 2;
  const emission = opts.emissionPerEpoch ?? 100n * ONE;
  const lag = opts.commitReveal ? 2 : 1;

  const quality = Array.from({ length: M }, () => rng());
  const stake = [
    ...opts.validators.map((v) => BigInt(Math.round(v.stake * 1e6)) * (ONE / 1_000_000n)),
    ...new Array<bigint>(M).fill(0n),
  ];
  const dividends = new Array<bigint>(V).fill(0n);
  const incentive = new Array<bigint>(M).fill(0n);
  const publicConsensus: number[][] = []; // per epoch, u16 consensus over the miners
  let dust = 0n;
  let bonds: number[][] = new Array(n).fill(null).map(() => []);
  let permit = stake.map((s, i) => i < V && s > 0n);
  let previousConsensus: number[] = [];

  for (let t = 0; t < opts.epochs; t++) {
    for (let m = 0; m < M; m++) {
      quality[m] = rng() < churn ? rng() : clamp01((quality[m] as number) + drift * gaussian(rng));
    }
    const copied = publicConsensus[t - lag];
    const weights = opts.validators.map((v) => {
      let row: number[];
      if (v.kind === "lazy") row = quality.map(() => 1);
      else if (v.kind === "copier") row = copied ?? quality.map(() => 1);
      else row = quality.map((q) => Math.max(0, q + noise * gaussian(rng)) ** sharpness);
      return [...new Array<number>(V).fill(0), ...maxUpscale(row)];
    });
    const block = 1_000 + t * params.tempo;
    const input: YumaInput = {
      block,
      stake,
      validatorPermit: permit,
      lastUpdate: stake.map((_, i) => (i < V ? block - 1 : 0)),
      registeredAt: new Array<number>(n).fill(0),
      weights: [...weights, ...new Array(M).fill(null).map(() => [])],
      bonds,
      previousConsensus,
      emission,
      params,
    };
    const out = yumaEpoch(input);
    for (let i = 0; i < V; i++) dividends[i] = (dividends[i] as bigint) + (out.validatorEmission[i] as bigint);
    for (let m = 0; m < M; m++) incentive[m] = (incentive[m] as bigint) + (out.minerEmission[V + m] as bigint);
    dust += out.dust;
    publicConsensus.push(out.consensusU16.slice(V));
    bonds = out.bonds;
    permit = out.newValidatorPermit;
    previousConsensus = out.consensusU16;
  }

  return {
    validators: opts.validators.map((v, i) => ({
      ...v,
      uid: i,
      dividends: dividends[i] as bigint,
      perStake: v.stake === 0 ? 0 : Number(dividends[i] as bigint) / 1e18 / v.stake,
    })),
    miners: quality.map((q, m) => ({ uid: V + m, quality: q, incentive: incentive[m] as bigint })),
    dust,
  };
}

function maxUpscale(row: number[]): number[] {
  const top = Math.max(0, ...row);
  return top === 0 ? row.map(() => 0) : row.map((x) => Math.round((x / top) * U16_MAX));
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** Standard normal sample (Box-Muller). */
function gaussian(rng: Rng): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
