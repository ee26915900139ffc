/**
 * TEST ONLY (not exported by the package): a float64 model of Bittensor's Yuma 3 epoch
 * (run_epoch.rs + math.rs), written independently of the fixed-point code, so that tests can
 * check the integer version against it within 1e-3. Where the integer version picks a rule
 * (quantile via sorting), this model follows Bittensor's own formulation (mid-pivot partition
 * search with a "minority" = stake sum - kappa).
 */
import type { YumaInput } from "./epoch";

export interface FloatOutput {
  activeStake: number[];
  consensus: number[];
  validatorTrust: number[];
  incentive: number[];
  dividends: number[];
  /** New bonds as u16 (rounded), rows without a new permit zero. */
  bonds: number[][];
  /** Emission fractions of the epoch emission. */
  minerShare: number[];
  validatorShare: number[];
}

const WAD = 1e18;
const f = (x: bigint): number => Number(x) / WAD;

function normalize(xs: number[]): number[] {
  const t = xs.reduce((a, b) => a + b, 0);
  return t === 0 ? xs.slice() : xs.map((x) => x / t);
}

/** Bittensor's stake-weighted median search, in float. */
function weightedMedian(stake: number[], score: number[], minority: number): number {
  let idx = stake.map((_, i) => i);
  let lo = 0;
  let hi = stake.reduce((a, b) => a + b, 0);
  for (;;) {
    if (idx.length === 0) return 0;
    if (idx.length === 1) return score[idx[0]!]!;
    const pivot = score[idx[Math.floor(idx.length / 2)]!]!;
    const lower: number[] = [];
    const upper: number[] = [];
    let loStake = 0;
    let hiStake = 0;
    for (const i of idx) {
      if (score[i] === pivot) continue;
      if (score[i]! < pivot) {
        loStake += stake[i]!;
        lower.push(i);
      } else {
        hiStake += stake[i]!;
        upper.push(i);
      }
    }
    if (minority < lo + loStake && lower.length > 0) {
      idx = lower;
      hi = lo + loStake;
    } else if (hi - hiStake <= minority && upper.length > 0) {
      idx = upper;
      lo = hi - hiStake;
    } else {
      return pivot;
    }
  }
}

export function floatEpoch(input: YumaInput): FloatOutput {
  const p = input.params;
  const n = input.stake.length;
  const R = [...Array(n).keys()];
  const minStake = f(p.validatorMinStake);
  const stakeTok = input.stake.map((s) => f(s));
  const stake = normalize(stakeTok.map((s) => (s < minStake ? 0 : s)));
  const active = input.lastUpdate.map((u) => !(u + p.activityCutoff < input.block));

  // Permits for storing bonds: top-k by stake, stable ascending sort drops the first n-k.
  const order = R.slice().sort((a, b) => stake[a]! - stake[b]! || a - b);
  const newPermit = stake.map((x) => x !== 0);
  if (n >= p.maxValidators) for (const i of order.slice(0, n - p.maxValidators)) newPermit[i] = false;

  const activeStake = normalize(stake.map((x, i) => (active[i] && input.validatorPermit[i] ? x : 0)));

  const W = R.map((i) =>
    R.map((j) => {
      const row = input.weights[i]!;
      if (!input.validatorPermit[i] || row.length === 0 || i === j) return 0;
      if (input.lastUpdate[i]! <= input.registeredAt[j]!) return 0;
      return row[j]!;
    }),
  ).map(normalize);

  const kappa = f(p.kappa);
  const useIdx = R.filter((i) => activeStake[i]! > 0);
  const useStake = normalize(useIdx.map((i) => activeStake[i]!));
  const stakeSum = useStake.reduce((a, b) => a + b, 0);
  const consensus = R.map((j) =>
    useIdx.length === 0
      ? 0
      : weightedMedian(
          useStake,
          useIdx.map((i) => W[i]![j]!),
          stakeSum - kappa,
        ),
  );
  const clipped = W.map((row) => row.map((x, j) => Math.min(x, consensus[j]!)));
  const validatorTrust = clipped.map((row) => row.reduce((a, b) => a + b, 0));
  const incentive = normalize(R.map((j) => R.reduce((acc, i) => acc + clipped[i]![j]! * activeStake[i]!, 0)));

  const penalty = f(p.bondsPenalty);
  const wfb = W.map((row, i) => row.map((x, j) => x + penalty * (clipped[i]![j]! - x)));
  const lastTempo = Math.max(0, input.block - p.tempo);
  const bonds = R.map((i) =>
    R.map((j) => {
      const row = input.bonds[i]!;
      if (row.length === 0 || lastTempo <= input.registeredAt[j]!) return 0;
      return row[j]! / 65535;
    }),
  );

  const la = p.liquidAlpha;
  const prev = R.map((j) => (input.previousConsensus?.length ? input.previousConsensus[j]! / 65535 : 0));
  const mode =
    la.consensusMode === "auto" ? (p.bondsPenalty === 10n ** 18n ? "previous" : "current") : la.consensusMode;
  const laC =
    mode === "current" ? consensus : mode === "previous" ? prev : consensus.map((c, j) => Math.max(c, prev[j]!));
  const liquid = la.enabled && laC.some((c) => c !== 0);
  const low = f(la.low);
  const high = f(la.high);
  const alphaOf = (c: number, w: number, b: number): number => {
    if (!liquid) return 1 - f(p.bondsMovingAverage);
    const buy = Math.min(Math.max(w - c, 0), 1);
    const sell = Math.min(Math.max(b - w, 0), 1);
    const diff = w >= b ? buy : sell;
    const sig = 1 / (1 + Math.exp((-la.steepness / 100) * (diff - 0.5)));
    return Math.min(Math.max(low + sig * (high - low), low), high);
  };
  const ema = R.map((i) =>
    R.map((j) => {
      const a = alphaOf(laC[j]!, wfb[i]![j]!, bonds[i]![j]!);
      return Math.min(1, (1 - a) * bonds[i]![j]! + a * wfb[i]![j]!);
    }),
  );
  const colSum = R.map((j) => R.reduce((acc, i) => acc + ema[i]![j]!, 0));
  const emaNorm = ema.map((row) => row.map((x, j) => (colSum[j] === 0 ? x : x / colSum[j]!)));
  const dividends = normalize(
    R.map((i) => emaNorm[i]!.reduce((acc, b, j) => acc + b * incentive[j]!, 0) * activeStake[i]!),
  );

  const total = incentive.reduce((a, b) => a + b, 0) + dividends.reduce((a, b) => a + b, 0);
  let minerShare = incentive.map((x) => (total === 0 ? 0 : x / total));
  let validatorShare = dividends.map((x) => (total === 0 ? 0 : x / total));
  if (total === 0) {
    minerShare = R.map(() => 0);
    validatorShare = activeStake.some((x) => x > 0) ? activeStake : stake;
  }
  return {
    activeStake,
    consensus,
    validatorTrust,
    incentive,
    dividends,
    bonds: ema.map((row, i) => row.map((x) => (newPermit[i] ? Math.floor(x * 65535 + 0.5) : 0))),
    minerShare,
    validatorShare,
  };
}
