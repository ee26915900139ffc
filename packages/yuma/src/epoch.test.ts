import {
  defaultYumaParams,
  liquidAlpha,
  yumaEpoch,
  YumaInputError,
  type YumaInput,
  type YumaOutput,
  type YumaParams,
} from "./epoch";
import { expNeg, fromU16, ONE } from "./fixed";
import { floatEpoch, type FloatOutput } from "./float-reference.testutil";
import { randomSubnet, seededRng } from "./random";

const TOKEN = ONE;
const WAD = 1e18;
const f = (x: bigint): number => Number(x) / WAD;
const fixed = (x: number): bigint => BigInt(Math.round(x * 1e6)) * 10n ** 12n;

interface Scenario {
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

const BLOCK = 10_000;

/** A subnet of validators (uids first) and miners, weights only from validators to miners. */
function scenario(s: Scenario): YumaInput {
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
function expectClose(out: YumaOutput, ref: FloatOutput, emission: bigint, tol = 1e-3): void {
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
function runEpochs(input: YumaInput, epochs: number): { out: YumaOutput; ref: FloatOutput }[] {
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

describe("kappa majority and clipping", () => {
  it("a 60% stake majority sets consensus; the 40% minority's extra weight is clipped", () => {
    // A (60%) puts everything on m0; B (40%) splits evenly between m0 and m1.
    const input = scenario({
      stakes: [60, 40],
      weights: [
        [65535, 0],
        [65535, 65535],
      ],
    });
    const out = yumaEpoch(input);
    expect(out.consensus.slice(2)).toEqual([ONE, 0n]);
    expect(out.validatorTrust.slice(0, 2)).toEqual([ONE, ONE / 2n]);
    expect(out.incentive.slice(2)).toEqual([ONE, 0n]);
    expectClose(out, floatEpoch(input), input.emission);
  });

  it("when the even-splitter holds the majority, it sets consensus instead", () => {
    const input = scenario({
      stakes: [40, 60],
      weights: [
        [65535, 0],
        [65535, 65535],
      ],
    });
    const out = yumaEpoch(input);
    expect(out.consensus.slice(2)).toEqual([ONE / 2n, ONE / 2n]);
    expect(out.validatorTrust.slice(0, 2)).toEqual([ONE / 2n, ONE]);
    // ranks: m0 = 0.5*0.4 + 0.5*0.6 = 0.5, m1 = 0.5*0.6 = 0.3 -> incentive 0.625 / 0.375
    expect(out.incentive.slice(2)).toEqual([(ONE * 5n) / 8n, (ONE * 3n) / 8n]);
    expectClose(out, floatEpoch(input), input.emission);
  });

  it("exactly half the stake is not a majority at kappa 0.5 (strict quantile)", () => {
    const input = scenario({
      stakes: [50, 50],
      weights: [
        [65535, 0],
        [0, 65535],
      ],
    });
    const out = yumaEpoch(input);
    // S(w <= 0) = 50% is not > 50%, so consensus is the higher vote for both miners.
    expect(out.consensus.slice(2)).toEqual([ONE, ONE]);
    expectClose(out, floatEpoch(input), input.emission);
  });

  it("a minority outlier is clipped to the honest consensus and loses validator trust", () => {
    const honest = [13107, 52428]; // 0.2 / 0.8
    const outlier = [58982, 6554]; // 0.9 / 0.1
    const input = scenario({ stakes: [100, 100, 100], weights: [honest, honest, outlier] });
    const out = yumaEpoch(input);
    const ref = floatEpoch(input);
    expect(f(out.consensus[3]!)).toBeCloseTo(0.2, 4);
    expect(f(out.consensus[4]!)).toBeCloseTo(0.8, 4);
    expect(f(out.validatorTrust[0]!)).toBeCloseTo(1, 4);
    expect(f(out.validatorTrust[2]!)).toBeCloseTo(0.3, 4);
    // The outlier's bonds follow its clipped weights (penalty 1), so it earns less.
    expect(out.dividends[2]!).toBeLessThan(out.dividends[0]!);
    expect(out.dividends[0]).toBe(out.dividends[1]);
    expectClose(out, ref, input.emission);
  });

  it("kappa moves the quantile: a higher kappa needs more stake to lift consensus", () => {
    const weights = [
      [65535, 0],
      [32768, 65535],
      [0, 65535],
    ];
    const stakes = [30, 30, 40];
    for (const kappa of [0.2, 0.5, 0.65, 0.9]) {
      const input = scenario({ stakes, weights, params: { kappa: fixed(kappa) } });
      expectClose(yumaEpoch(input), floatEpoch(input), input.emission);
    }
    const low = yumaEpoch(scenario({ stakes, weights, params: { kappa: fixed(0.2) } }));
    const high = yumaEpoch(scenario({ stakes, weights, params: { kappa: fixed(0.9) } }));
    expect(high.consensus[3]!).toBeLessThan(low.consensus[3]!);
    expect(f(low.consensus[3]!)).toBeCloseTo(1, 6); // 30% at the top is enough at kappa 0.2
    expect(high.consensus[3]).toBe(0n); // only 60% vote > 0 for m0, kappa 0.9 needs 90%
  });
});

describe("bonds", () => {
  it("move toward the clipped weight at rate 1 - bondsMovingAverage", () => {
    const input = scenario({ stakes: [100], weights: [[65535, 0]] });
    const out = yumaEpoch(input);
    expect(out.bonds[0]!.slice(1)).toEqual([6554, 0]); // round(0.1 * 65535)
    const results = runEpochs(input, 20);
    results.forEach(({ out, ref }, t) => {
      // u16 rounding error stays below 0.5 / alpha = 5 units
      expect(Math.abs(out.bonds[0]![1]! / 65535 - (1 - 0.9 ** (t + 1)))).toBeLessThan(5.5 / 65535);
      expectClose(out, ref, input.emission);
    });
  });

  it("a bonds moving average of 0.5 halves the distance each epoch", () => {
    const input = scenario({ stakes: [100], weights: [[65535, 0]], params: { bondsMovingAverage: ONE / 2n } });
    runEpochs(input, 8).forEach(({ out }, t) =>
      expect(Math.abs(out.bonds[0]![1]! / 65535 - (1 - 0.5 ** (t + 1)))).toBeLessThan(1.01 / 65535),
    );
  });

  it("start from zero for a miner registered within the last tempo", () => {
    const input = scenario({
      stakes: [100],
      weights: [[65535, 65535]],
      bonds: [[30000, 30000]],
      minerRegisteredAt: [0, BLOCK - 100],
    });
    const out = yumaEpoch(input);
    const w = fromU16(65535) / 2n;
    const keep = (fromU16(30000) * 9n + w) / 10n;
    expect(out.bonds[0]!.slice(1)).toEqual([
      Number((keep * 65535n + ONE / 2n) / ONE),
      Number(((w / 10n) * 65535n + ONE / 2n) / ONE),
    ]);
    expectClose(out, floatEpoch(input), input.emission);
  });

  it("bondsPenalty blends clipped (1) and raw (0) weights for the outlier's bonds", () => {
    const honest = [13107, 52428];
    const outlier = [58982, 6554];
    const bondOnM0 = (penalty: bigint): number => {
      const input = scenario({
        stakes: [100, 100, 100],
        weights: [honest, honest, outlier],
        params: { bondsPenalty: penalty },
      });
      const out = yumaEpoch(input);
      expectClose(out, floatEpoch(input), input.emission);
      return out.bonds[2]![3]! / 65535;
    };
    // alpha 0.1 toward w (0.9 raw, 0.2 clipped)
    expect(bondOnM0(ONE)).toBeCloseTo(0.02, 4);
    expect(bondOnM0(0n)).toBeCloseTo(0.09, 4);
    expect(bondOnM0(ONE / 2n)).toBeCloseTo(0.055, 4);
  });

  it("rows of uids that lose their permit are cleared", () => {
    const input = scenario({
      stakes: [100, 0],
      weights: [
        [65535, 0],
        [0, 65535],
      ],
      bonds: [
        [100, 100],
        [100, 100],
      ],
    });
    const out = yumaEpoch(input);
    expect(out.newValidatorPermit.slice(0, 2)).toEqual([true, false]);
    expect(out.bonds[1]!.every((b) => b === 0)).toBe(true);
  });
});

describe("liquid alpha", () => {
  const la = { enabled: true, low: fixed(0.7), high: fixed(0.9), steepness: 1000 };
  const sig = (x: number): number => 1 / (1 + Math.exp(-x));

  it("buys slowly at or below consensus: alpha = low + sigmoid(-5) * (high - low)", () => {
    const input = scenario({
      stakes: [100],
      weights: [[65535, 0]],
      params: { liquidAlpha: { ...la, consensusMode: "current" } },
    });
    const out = yumaEpoch(input);
    const alpha = 0.7 + sig(-5) * 0.2;
    expect(out.bonds[0]![1]! / 65535).toBeCloseTo(alpha, 4);
    expectClose(out, floatEpoch(input), input.emission);
  });

  it("sells fast when the bond sits far above the weight", () => {
    const input = scenario({
      stakes: [100, 100],
      weights: [
        [65535, 0],
        [65535, 0],
      ],
      bonds: [
        [0, 65535],
        [0, 0],
      ],
      params: { liquidAlpha: { ...la, consensusMode: "current" } },
    });
    const out = yumaEpoch(input);
    const alpha = 0.7 + sig(5) * 0.2; // diff = bond - weight = 1
    expect(out.bonds[0]![3]! / 65535).toBeCloseTo(1 - alpha, 4);
    expectClose(out, floatEpoch(input), input.emission);
  });

  it("buys fast when the weight sits above the previous consensus (mode auto, penalty 1)", () => {
    const input = scenario({
      stakes: [100],
      weights: [[65535, 0]],
      previousConsensus: [0, 0],
      params: { liquidAlpha: { ...la, consensusMode: "auto" } },
    });
    // previous consensus is all zero: liquid alpha falls back to 1 - bondsMovingAverage
    expect(yumaEpoch(input).bonds[0]![1]).toBe(6554);
    const withPrev = { ...input, previousConsensus: [0, 6553, 65535] };
    const out = yumaEpoch(withPrev);
    const alpha = 0.7 + sig(10 * (1 - 0.1 - 0.5)) * 0.2; // diff = w - c = 1 - 0.1
    expect(out.bonds[0]![1]! / 65535).toBeCloseTo(alpha, 4);
    expectClose(out, floatEpoch(withPrev), input.emission);
  });

  it("agrees with the float model under every consensus mode across epochs", () => {
    for (const consensusMode of ["current", "previous", "max", "auto"] as const) {
      const input = scenario({
        stakes: [50, 30, 20],
        weights: [
          [65535, 20000, 0],
          [30000, 65535, 10000],
          [0, 5000, 65535],
        ],
        params: { liquidAlpha: { ...la, low: fixed(0.05), high: fixed(0.4), consensusMode }, bondsPenalty: fixed(0.7) },
      });
      runEpochs(input, 6).forEach(({ out, ref }) => expectClose(out, ref, input.emission));
    }
  });
});

describe("masks", () => {
  it("drops weights set no later than the miner's registration and renormalises the row", () => {
    const input = scenario({
      stakes: [100],
      weights: [[65535, 65535]],
      lastUpdate: [BLOCK - 10],
      minerRegisteredAt: [0, BLOCK - 10],
    });
    const out = yumaEpoch(input);
    expect(out.consensus.slice(1)).toEqual([ONE, 0n]);
    expect(out.incentive.slice(1)).toEqual([ONE, 0n]);
    expectClose(out, floatEpoch(input), input.emission);
  });

  it("ignores inactive validators: no stake in consensus, no dividends", () => {
    const input = scenario({
      stakes: [90, 10],
      weights: [
        [0, 65535],
        [65535, 0],
      ],
      lastUpdate: [BLOCK - 6000, BLOCK - 5000], // cutoff 5000: the first is inactive
    });
    const out = yumaEpoch(input);
    expect(out.active.slice(0, 2)).toEqual([false, true]);
    expect(out.activeStake.slice(0, 2)).toEqual([0n, ONE]);
    expect(out.consensus.slice(2)).toEqual([ONE, 0n]);
    expect(out.dividends.slice(0, 2)).toEqual([0n, ONE]);
    expect(out.validatorEmission[0]).toBe(0n);
    expectClose(out, floatEpoch(input), input.emission);
  });

  it("ignores validators without a permit, however large their stake", () => {
    const input = scenario({
      stakes: [1000, 10],
      weights: [
        [0, 65535],
        [65535, 0],
      ],
      permits: [false, true],
    });
    const out = yumaEpoch(input);
    expect(out.consensus.slice(2)).toEqual([ONE, 0n]);
    expect(out.dividends.slice(0, 2)).toEqual([0n, ONE]);
    expect(out.validatorTrust[0]).toBe(0n);
    expectClose(out, floatEpoch(input), input.emission);
  });

  it("drops self-weights", () => {
    const input = scenario({ stakes: [100], weights: [[65535]] });
    input.weights[0] = [65535, 65535];
    const out = yumaEpoch(input);
    expect(out.consensus).toEqual([0n, ONE]);
  });
});

describe("permits", () => {
  it("go to the top maxValidators non-zero stakes, the higher uid first on ties", () => {
    const input = scenario({
      stakes: [5, 7, 7, 0, 3],
      weights: [[1], [1], [1], [1], [1]],
      params: { maxValidators: 2 },
    });
    expect(yumaEpoch(input).newValidatorPermit.slice(0, 5)).toEqual([false, true, true, false, false]);
    const three = yumaEpoch({ ...input, params: { ...input.params, maxValidators: 3 } });
    expect(three.newValidatorPermit.slice(0, 5)).toEqual([true, true, true, false, false]);
    const tie = yumaEpoch({ ...input, stake: [7n, 7n, 7n, 0n, 0n, 0n], params: { ...input.params, maxValidators: 2 } });
    expect(tie.newValidatorPermit.slice(0, 3)).toEqual([false, true, true]);
    const all = yumaEpoch({ ...input, params: { ...input.params, maxValidators: 64 } });
    expect(all.newValidatorPermit.slice(0, 5)).toEqual([true, true, true, false, true]);
  });

  it("treat stakes below validatorMinStake as zero", () => {
    const input = scenario({ stakes: [5, 7], weights: [[65535], [65535]], params: { validatorMinStake: 6n * TOKEN } });
    const out = yumaEpoch(input);
    expect(out.newValidatorPermit.slice(0, 2)).toEqual([false, true]);
    expect(out.activeStake.slice(0, 2)).toEqual([0n, ONE]);
  });
});

describe("emission split", () => {
  it("pays miners by incentive and validators by dividends, 50/50, with dust returned", () => {
    const input = scenario({
      stakes: [60, 40],
      weights: [
        [65535, 20000],
        [40000, 65535],
      ],
    });
    const out = yumaEpoch(input);
    const miner = out.minerEmission.reduce((a, b) => a + b, 0n);
    const validator = out.validatorEmission.reduce((a, b) => a + b, 0n);
    expect(miner + validator + out.dust).toBe(input.emission);
    expect(f(miner) / 1000).toBeCloseTo(0.5, 12);
    expect(out.dust).toBeGreaterThanOrEqual(0n);
    expect(out.dust).toBeLessThan(10n);
  });

  it("without weights pays validators by active stake", () => {
    const input = scenario({ stakes: [75, 25, 100], weights: [[0], [0], [0]], lastUpdate: [BLOCK, BLOCK, 0] });
    const out = yumaEpoch(input);
    expect(out.validatorEmission.slice(0, 3)).toEqual([750n * TOKEN, 250n * TOKEN, 0n]);
    expect(out.dust).toBe(0n);
  });

  it("without active stake pays by stake, and without stake keeps all as dust", () => {
    const input = scenario({ stakes: [75, 25], weights: [[0], [0]], lastUpdate: [0, 0] });
    expect(yumaEpoch(input).validatorEmission.slice(0, 2)).toEqual([750n * TOKEN, 250n * TOKEN]);
    const none = yumaEpoch({ ...input, stake: input.stake.map(() => 0n) });
    expect(none.dust).toBe(input.emission);
  });
});

describe("input checks", () => {
  const good = scenario({ stakes: [1], weights: [[1]] });
  const bad = (patch: Partial<YumaInput>, message: RegExp): void => {
    expect(() => yumaEpoch({ ...good, ...patch })).toThrow(YumaInputError);
    expect(() => yumaEpoch({ ...good, ...patch })).toThrow(message);
  };
  it("rejects malformed inputs with a message naming the field", () => {
    bad({ lastUpdate: [1] }, /lastUpdate has 1 entries/);
    bad({ weights: [[1, 2, 3], []] }, /weights\[0\] has 3 entries/);
    bad({ weights: [[0, 70000], []] }, /not a u16/);
    bad({ bonds: [[0, -1], []] }, /bonds\[0\]\[1\]/);
    bad({ stake: [-1n, 0n] }, /stake\[0\] is negative/);
    bad({ previousConsensus: [1] }, /previousConsensus/);
    bad({ block: -1 }, /block/);
    bad({ emission: -1n }, /emission/);
    bad({ emission: 2n ** 100n }, /emission must stay below 2\^100/);
    bad({ stake: [2n ** 99n, 2n ** 99n] }, /total stake must stay below 2\^100/);
    bad({ params: { ...good.params, kappa: ONE + 1n } }, /kappa/);
    bad(
      { params: { ...good.params, liquidAlpha: { ...good.params.liquidAlpha, low: ONE, high: 0n } } },
      /low exceeds high/,
    );
    bad({ params: { ...good.params, liquidAlpha: { ...good.params.liquidAlpha, steepness: 1.5 } } }, /steepness/);
    bad({ params: { ...good.params, maxValidators: -1 } }, /maxValidators/);
  });

  it("accepts an empty subnet and keeps all emission as dust", () => {
    const out = yumaEpoch({
      ...good,
      stake: [],
      validatorPermit: [],
      lastUpdate: [],
      registeredAt: [],
      weights: [],
      bonds: [],
      previousConsensus: [],
    });
    expect(out.dust).toBe(good.emission);
  });
});

describe("agreement with the float model on random subnets", () => {
  it("single epochs of random subnets with random parameters agree within 1e-3", () => {
    for (let seed = 0; seed < 60; seed++) {
      const rng = seededRng(seed);
      const input = randomSubnet(rng, {
        validators: 1 + (seed % 12),
        miners: 1 + ((seed * 7) % 40),
        randomParams: true,
      });
      expectClose(yumaEpoch(input), floatEpoch(input), input.emission);
    }
  });

  it("ten chained epochs agree within 1e-3", () => {
    for (let seed = 100; seed < 106; seed++) {
      const input = randomSubnet(seededRng(seed), { validators: 8, miners: 24, randomParams: true, inactiveRate: 0 });
      runEpochs(input, 10).forEach(({ out, ref }) => expectClose(out, ref, input.emission));
    }
  });
});

describe("ALGORITHM.md reference values", () => {
  it("reproduces the worked example exactly", () => {
    const T = 10n ** 18n;
    const out = yumaEpoch({
      block: 10000,
      stake: [60n * T, 40n * T, 0n, 0n],
      validatorPermit: [true, true, false, false],
      lastUpdate: [9990, 9990, 0, 0],
      registeredAt: [0, 0, 0, 0],
      weights: [[0, 0, 65535, 0], [0, 0, 40000, 65535], [], []],
      bonds: [[0, 0, 30000, 0], [], [], []],
      previousConsensus: [],
      emission: 1000n * T,
      params: defaultYumaParams,
    });
    expect(out.consensus).toEqual([0n, 0n, T, 0n]);
    expect(out.validatorTrust).toEqual([T, 379021177808310039n, 0n, 0n]);
    expect(out.incentive).toEqual([0n, 0n, T, 0n]);
    expect(out.dividends).toEqual([952968767466347273n, 47031232533652726n, 0n, 0n]);
    expect(out.bonds).toEqual([
      [0, 0, 33553, 0],
      [0, 0, 2484, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    expect(out.minerEmission).toEqual([0n, 0n, 500000000000000000250n, 0n]);
    expect(out.validatorEmission).toEqual([476484383733173636738n, 23515616266826363011n, 0n, 0n]);
    expect(out.dust).toBe(1n);
  });

  it("reproduces the expNeg and liquid alpha table", () => {
    expect([0n, ONE / 2n, ONE, 5n * ONE, 40n * ONE].map(expNeg)).toEqual([
      ONE,
      606530659712633426n,
      367879441171442323n,
      6737946999085467n,
      4n,
    ]);
    const la = { ...defaultYumaParams.liquidAlpha, enabled: true };
    expect(liquidAlpha(la, ONE, ONE, 0n)).toBe(701338570184856971n);
    expect(liquidAlpha(la, ONE / 10n, ONE, 0n)).toBe(896402758007581688n);
    expect(liquidAlpha(la, ONE, 0n, ONE)).toBe(898661429815143028n);
  });
});
