import { ONE } from "./fixed";
import { simulate, type SimOptions, type SimResult } from "./sim";
import { formatSimResult, parseSimArgs, simCli } from "./sim-cli";

const base: SimOptions = {
  epochs: 80,
  miners: 24,
  seed: 1,
  commitReveal: true,
  validators: [
    { kind: "honest", stake: 100 },
    { kind: "honest", stake: 100 },
    { kind: "honest", stake: 100 },
    { kind: "copier", stake: 100 },
    { kind: "lazy", stake: 100 },
  ],
};

const perStake = (r: SimResult, kind: string): number => {
  const vs = r.validators.filter((v) => v.kind === kind);
  return vs.reduce((a, v) => a + v.perStake, 0) / vs.length;
};

describe("simulate", () => {
  const seeds = [1, 2, 3];
  const withCR = seeds.map((seed) => simulate({ ...base, seed }));
  const withoutCR = seeds.map((seed) => simulate({ ...base, seed, commitReveal: false }));

  it("a copier earns less than an honest validator under commit-reveal", () => {
    for (const r of withCR) {
      const copier = r.validators.find((v) => v.kind === "copier")!;
      for (const honest of r.validators.filter((v) => v.kind === "honest")) {
        expect(copier.dividends).toBeLessThan(honest.dividends);
      }
      expect(perStake(r, "copier")).toBeLessThan(0.97 * perStake(r, "honest"));
    }
  });

  it("commit-reveal widens the copier's gap to honest validators", () => {
    const ratio = (rs: SimResult[]): number =>
      rs.reduce((a, r) => a + perStake(r, "copier") / perStake(r, "honest"), 0) / rs.length;
    expect(ratio(withCR)).toBeLessThan(ratio(withoutCR));
  });

  it("a lazy validator (uniform weights) earns least", () => {
    for (const r of [...withCR, ...withoutCR]) {
      expect(perStake(r, "lazy")).toBeLessThan(perStake(r, "copier"));
      expect(perStake(r, "lazy")).toBeLessThan(perStake(r, "honest"));
    }
  });

  it("pays out exactly the emission, with dust accounted", () => {
    for (const r of withCR) {
      const paid = r.validators.reduce((a, v) => a + v.dividends, 0n) + r.miners.reduce((a, m) => a + m.incentive, 0n);
      expect(paid + r.dust).toBe(BigInt(base.epochs) * 100n * ONE);
    }
  });

  it("rewards better miners with more incentive", () => {
    const r = simulate({ ...base, churn: 0, drift: 0, epochs: 30 });
    const sorted = [...r.miners].sort((a, b) => a.quality - b.quality);
    const low = sorted.slice(0, 6).reduce((a, m) => a + m.incentive, 0n);
    const high = sorted.slice(-6).reduce((a, m) => a + m.incentive, 0n);
    expect(high).toBeGreaterThan(3n * low);
  });

  it("is deterministic for a seed", () => {
    const a = simulate({ ...base, epochs: 10 });
    const b = simulate({ ...base, epochs: 10 });
    expect(a).toEqual(b);
    expect(simulate({ ...base, epochs: 10, seed: 9 })).not.toEqual(a);
  });
});

describe("sim CLI", () => {
  it("parses flags with defaults", () => {
    const o = parseSimArgs([
      "--epochs",
      "5",
      "--validators",
      "honest:10,copier:20",
      "--no-commit-reveal",
      "--noise",
      "0.1",
    ]);
    expect(o).toMatchObject({ epochs: 5, miners: 32, seed: 1, commitReveal: false, noise: 0.1 });
    expect(o.validators).toEqual([
      { kind: "honest", stake: 10 },
      { kind: "copier", stake: 20 },
    ]);
    expect(parseSimArgs([]).commitReveal).toBe(true);
  });

  it("rejects bad flags with a usage hint", () => {
    expect(() => parseSimArgs(["--validators", "greedy:1"])).toThrow(/unknown validator kind "greedy".*\n.*usage/s);
    expect(() => parseSimArgs(["--epochs", "0"])).toThrow(/--epochs needs an integer >= 1/);
    expect(() => parseSimArgs(["--validators", "honest:-5"])).toThrow(/positive stake/);
    expect(() => parseSimArgs(["--bogus"])).toThrow();
  });

  it("prints a table of who earns what", () => {
    const text = simCli(["--epochs", "5", "--miners", "4", "--validators", "honest:100,copier:50"]);
    expect(text).toMatch(/commit-reveal on/);
    expect(text).toMatch(/^0 +honest +100 +[\d.]+ +[\d.]+ +[\d.]+%$/m);
    expect(text).toMatch(/^1 +copier +50 /m);
    const opts = parseSimArgs(["--epochs", "3"]);
    expect(formatSimResult(opts, simulate(opts))).toMatch(/top miners/);
  });
});
