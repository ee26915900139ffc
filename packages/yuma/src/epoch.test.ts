import { yumaEpoch } from "./epoch";
import { fromU16, ONE } from "./fixed";
import { floatEpoch } from "./float-reference.testutil";
import { f, fixed, BLOCK, scenario, expectClose, runEpochs } from "./epoch-scenario.testutil";

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
