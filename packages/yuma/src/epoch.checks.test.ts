import { defaultYumaParams, liquidAlpha, yumaEpoch, YumaInputError, type YumaInput } from "./epoch";
import { expNeg, ONE } from "./fixed";
import { floatEpoch } from "./float-reference.testutil";
import { randomSubnet, seededRng } from "./random";
import { TOKEN, f, BLOCK, scenario, expectClose, runEpochs } from "./epoch-scenario.testutil";

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
