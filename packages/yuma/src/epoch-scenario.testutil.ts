/** Hand-made subnets for the Yuma epoch tests (epoch.test.ts, epoch.checks.test.ts), run beside the float model. */
import { defaultYumaParams, yumaEpoch, type YumaInput, type YumaOutput, type YumaParams } from "./epoch";
import { ONE } from "./fixed";
import { floatEpoch, type FloatOutput } from "./float-reference.testutil";

export const TOKEN = ONE;
export const WAD = 1e18;
export const f = (x: bigint): number => Number(x) / WAD;
export const fixed = (x: number): bigint => BigInt(Math.round(x * 1e6)) * 10n ** 12n;

export interface Scenario {
  /** Validator stakes in whole tokens; validators are uids 0..V-1. */
  stakes: number[];
  /** Per validator, u16 weights over the miners (uids V..V+M-1). */
  weights: number[][];
  params?: Partial<YumaParams>;
  /** Per validator, u16 bonds over the miners ([] for none). */
  bonds?: number[][];
  permits?: boolean[];
  lastUpdate?: number[];
  /** Registration block per miner. */
  minerRegisteredAt?: number[];
  previousConsensus?: number[];
}

export const BLOCK = 10_000;

/** A subnet of validators (uids first) and miners, weights only from validators to miners. */
export function scenario(s: Scenario): YumaInput {
  const V = s.stakes.length;
  const M = s.weights[0]?.length ?? 0;
  const zeros = (k: number): number[] => new Array<number>(k).fill(0);
  return {
    block: BLOCK,
    stake: [...s.stakes.map((x) => BigInt(x) * TOKEN), ...zeros(M).map(() => 0n)],
    validatorPermit: [...(s.permits ?? s.stakes.map(() => true)), ...zeros(M).map(() => false)],
    lastUpdate: [...(s.lastUpdate ?? s.stakes.map(() => BLOCK - 10)), ...zeros(M).map(() => 0)],
    registeredAt: [...zeros(V), ...(s.minerRegisteredAt ?? zeros(M))],
    weights: [...s.weights.map((row) => [...zeros(V), ...row]), ...zeros(M).map(() => [])],
    bonds: [
      ...(s.bonds ?? s.stakes.map(() => [])).map((row) => (row.length ? [...zeros(V), ...row] : [])),
      ...zeros(M).map(() => []),
    ],
    previousConsensus: s.previousConsensus ? [...zeros(V), ...s.previousConsensus] : [],
    emission: 1_000n * TOKEN,
    params: {
      ...defaultYumaParams,
      ...s.params,
      liquidAlpha: { ...defaultYumaParams.liquidAlpha, ...s.params?.liquidAlpha },
    },
  };
}

/** Compare the integer output with the float model within tol (fractions of ONE). */
export function expectClose(out: YumaOutput, ref: FloatOutput, emission: bigint, tol = 1e-3): void {
  const pairs: [string, bigint[], number[]][] = [
    ["activeStake", out.activeStake, ref.activeStake],
    ["consensus", out.consensus, ref.consensus],
    ["validatorTrust", out.validatorTrust, ref.validatorTrust],
    ["incentive", out.incentive, ref.incentive],
    ["dividends", out.dividends, ref.dividends],
  ];
  for (const [name, got, want] of pairs) {
    got.forEach((g, i) => {
      if (Math.abs(f(g) - want[i]!) > tol) throw new Error(`${name}[${i}]: fixed ${f(g)} vs float ${want[i]}`);
    });
  }
  out.bonds.forEach((row, i) =>
    row.forEach((b, j) => {
      if (Math.abs(b - ref.bonds[i]![j]!) > tol * 65535)
        throw new Error(`bonds[${i}][${j}]: ${b} vs ${ref.bonds[i]![j]}`);
    }),
  );
  const e = Number(emission);
  out.minerEmission.forEach((x, i) => expect(Math.abs(Number(x) / e - ref.minerShare[i]!)).toBeLessThan(tol));
  out.validatorEmission.forEach((x, i) => expect(Math.abs(Number(x) / e - ref.validatorShare[i]!)).toBeLessThan(tol));
}

/** Runs both models for several epochs, each feeding its own bonds and consensus forward. */
export function runEpochs(input: YumaInput, epochs: number): { out: YumaOutput; ref: FloatOutput }[] {
  const results: { out: YumaOutput; ref: FloatOutput }[] = [];
  let cur = input;
  let refCur = input;
  for (let t = 0; t < epochs; t++) {
    const out = yumaEpoch(cur);
    const ref = floatEpoch(refCur);
    results.push({ out, ref });
    const next = (x: YumaInput, bonds: number[][], consensus: number[], permit: boolean[]): YumaInput => ({
      ...x,
      block: x.block + x.params.tempo,
      lastUpdate: x.lastUpdate.map((u) => u + x.params.tempo),
      bonds,
      previousConsensus: consensus,
      validatorPermit: permit,
    });
    cur = next(cur, out.bonds, out.consensusU16, out.newValidatorPermit);
    refCur = next(
      refCur,
      ref.bonds,
      ref.consensus.map((c) => Math.floor(c * 65535 + 0.5)),
      out.newValidatorPermit,
    );
  }
  return results;
}
