import fc from "fast-check";
import { yumaEpoch, type YumaInput, type YumaOutput } from "./epoch";
import { ONE, U16_MAX } from "./fixed";
import { randomSubnet, seededRng } from "./random";

/** Random subnets up to 64 validators x 256 miners; most runs small to keep each run cheap. */
const sized = (small: number, max: number): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 1, max: small }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max }) },
  );
const subnetArb = fc
  .record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    validators: sized(8, 64),
    miners: sized(24, 256),
    randomParams: fc.boolean(),
    density: fc.constantFrom(0.05, 0.3, 0.6, 1),
    emission: fc.bigInt({ min: 0n, max: 10n ** 26n }),
  })
  .map((o) => randomSubnet(seededRng(o.seed), o));

/** A full-size 64 x 256 subnet. */
const full = (seed: number): YumaInput =>
  randomSubnet(seededRng(seed), { validators: 64, miners: 256, randomParams: true, params: { maxValidators: 64 } });

const sum = (xs: bigint[]): bigint => xs.reduce((a, b) => a + b, 0n);

/** The normalised, masked weights (recomputed here to bound consensus). */
function normalisedWeights(input: YumaInput): (bigint[] | null)[] {
  return input.weights.map((row, i) => {
    if (!input.validatorPermit[i] || row.length === 0) return null;
    const raw = row.map((x, j) => (i !== j && input.lastUpdate[i]! > input.registeredAt[j]! ? BigInt(x) : 0n));
    const t = sum(raw);
    return t === 0n ? null : raw.map((x) => (x * ONE) / t);
  });
}

function checkInvariants(input: YumaInput, out: YumaOutput): void {
  const n = input.stake.length;
  const inUnit = (name: string, xs: bigint[]): void =>
    xs.forEach((x, i) => {
      if (x < 0n || x > ONE) throw new Error(`${name}[${i}] = ${x} outside [0, ONE]`);
    });
  inUnit("stakeWeight", out.stakeWeight);
  inUnit("activeStake", out.activeStake);
  inUnit("consensus", out.consensus);
  inUnit("validatorTrust", out.validatorTrust);
  inUnit("incentive", out.incentive);
  inUnit("dividends", out.dividends);

  // Normalised vectors sum to ONE up to one unit of floor rounding per entry, or are all zero.
  for (const [name, xs] of [
    ["incentive", out.incentive],
    ["dividends", out.dividends],
    ["activeStake", out.activeStake],
  ] as const) {
    const t = sum(xs);
    if (t !== 0n && (t > ONE || ONE - t > BigInt(n))) throw new Error(`${name} sums to ${t}`);
  }

  // Consensus never exceeds the largest weight any voter gives the miner.
  const w = normalisedWeights(input);
  out.consensus.forEach((c, j) => {
    let top = 0n;
    w.forEach((row, i) => {
      if (row && out.activeStake[i]! > 0n && row[j]! > top) top = row[j]!;
    });
    if (c > top) throw new Error(`consensus[${j}] = ${c} above the top weight ${top}`);
  });

  // Bonds are u16, cleared for uids without a new permit.
  out.bonds.forEach((row, i) => {
    if (row.length !== n) throw new Error(`bonds[${i}] has ${row.length} entries`);
    row.forEach((b) => {
      if (!Number.isInteger(b) || b < 0 || b > U16_MAX) throw new Error(`bond ${b} not u16`);
      if (!out.newValidatorPermit[i] && b !== 0) throw new Error(`bonds[${i}] kept without a permit`);
    });
  });
  out.consensusU16.forEach((c) => {
    if (c < 0 || c > U16_MAX) throw new Error(`consensusU16 ${c}`);
  });

  // Only active permitted validators earn dividends; permits only for non-zero stake.
  out.dividends.forEach((d, i) => {
    if (d > 0n && !(out.active[i] && input.validatorPermit[i])) throw new Error(`dividends to uid ${i}`);
  });
  out.newValidatorPermit.forEach((ok, i) => {
    if (ok && input.stake[i]! < input.params.validatorMinStake) throw new Error(`permit below min stake`);
  });
  if (out.newValidatorPermit.filter(Boolean).length > input.params.maxValidators) throw new Error("too many permits");

  // Emission: everything is paid or returned as dust; nothing is created.
  const paid = sum(out.minerEmission) + sum(out.validatorEmission);
  if ([...out.minerEmission, ...out.validatorEmission].some((x) => x < 0n)) throw new Error("negative payout");
  if (paid + out.dust !== input.emission) throw new Error(`paid ${paid} + dust ${out.dust} != ${input.emission}`);
  if (out.dust < 0n || out.dust > 2n * BigInt(n)) throw new Error(`dust ${out.dust}`);
}

describe("yumaEpoch properties (fast-check)", () => {
  it("holds its invariants on 1,000 random subnets up to 64 x 256", () => {
    fc.assert(
      fc.property(subnetArb, (input) => {
        checkInvariants(input, yumaEpoch(input));
      }),
      { numRuns: 1000, examples: [[full(1)], [full(2)]] },
    );
  });

  it("is deterministic and leaves its input untouched", () => {
    const snapshot = (x: unknown): string =>
      JSON.stringify(x, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
    fc.assert(
      fc.property(subnetArb, (input) => {
        const before = snapshot(input);
        const a = yumaEpoch(input);
        expect(snapshot(input)).toBe(before);
        expect(snapshot(yumaEpoch(input))).toBe(snapshot(a));
      }),
      { numRuns: 100 },
    );
  });

  it("keeps its invariants over chained epochs", () => {
    fc.assert(
      fc.property(subnetArb, (first) => {
        let input = first;
        for (let t = 0; t < 3; t++) {
          const out = yumaEpoch(input);
          checkInvariants(input, out);
          input = {
            ...input,
            block: input.block + input.params.tempo,
            bonds: out.bonds,
            previousConsensus: out.consensusU16,
            validatorPermit: out.newValidatorPermit,
          };
        }
      }),
      { numRuns: 100 },
    );
  });
});
