import { expect } from "chai";
import fc from "fast-check";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { ConsensusTestKernels } from "@noosphere/contracts";

/** The selection kernels against plain sorting (fast-check). */
describe("Consensus selection kernels", function () {
  this.timeout(120_000);

  async function kernelsFixture() {
    return (await hre.ethers.deployContract("ConsensusTestKernels")) as unknown as ConsensusTestKernels;
  }

  /** Smallest value whose cumulative stake (values <= it) reaches `need`. */
  function quantile(values: bigint[], stakes: bigint[], need: bigint): bigint {
    const order = values
      .map((v, i) => [v, stakes[i] as bigint] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let cum = 0n;
    for (const [v, s] of order) {
      cum += s;
      if (cum >= need) return v;
    }
    throw new Error("need above total");
  }

  it("quantileAsc returns the weighted quantile whatever the order, ties and pivots (300 runs)", async () => {
    const k = await loadFixture(kernelsFixture);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 18n }), fc.bigInt({ min: 0n, max: 10n ** 18n })), {
          minLength: 1,
          maxLength: 64,
        }),
        fc.boolean(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        async (pairs, fewValues, share, seed) => {
          const values = pairs.map(([v]) => (fewValues ? (v % 4n) + 1n : v));
          const stakes = pairs.map(([, s]) => s);
          const total = stakes.reduce((a, b) => a + b, 0n);
          if (total === 0n) return;
          const need = 1n + (BigInt(Math.floor(share * 1e9)) * (total - 1n)) / 1_000_000_000n;
          expect(await k.quantileAsc(values, stakes, need, seed)).to.equal(quantile(values, stakes, need));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("quantileAsc finishes by insertion sort after 12 unlucky rounds (seed 18 on 1..64)", async () => {
    const k = await loadFixture(kernelsFixture);
    const values = [...Array(64).keys()].map((i) => BigInt(i + 1));
    const stakes = values.map(() => 1n);
    for (const need of [1n, 17n, 32n, 33n, 64n]) {
      expect(await k.quantileAsc(values, stakes, need, 18n)).to.equal(need);
    }
  });

  it("quantileNear equals the weighted quantile whatever the guess (300 runs)", async () => {
    const k = await loadFixture(kernelsFixture);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 18n }), fc.bigInt({ min: 0n, max: 10n ** 18n })), {
          minLength: 1,
          maxLength: 64,
        }),
        fc.constantFrom("spread", "clustered", "few"),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.oneof(
          fc.constant(0n),
          fc.bigInt({ min: 1n, max: 10n ** 18n }),
          fc.double({ min: 0.8, max: 1.2, noNaN: true }),
        ),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        async (pairs, shape, share, guessOf, seed) => {
          const center = 10n ** 16n;
          const values = pairs.map(([v]) =>
            shape === "few" ? center + (v % 3n) : shape === "clustered" ? center + (v % (center / 10n)) : v,
          );
          const stakes = pairs.map(([, s]) => s);
          const total = stakes.reduce((a, b) => a + b, 0n);
          if (total === 0n) return;
          const need = 1n + (BigInt(Math.floor(share * 1e9)) * (total - 1n)) / 1_000_000_000n;
          const want = quantile(values, stakes, need);
          // a guess near the answer (as the last epoch's consensus usually is), or anywhere
          const guess = typeof guessOf === "number" ? (want * BigInt(Math.round(guessOf * 1e6))) / 1_000_000n : guessOf;
          const [got] = await k.quantileNear(values, stakes, need, guess, seed);
          expect(got).to.equal(want);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("selectTopDesc returns the k-th largest of distinct words (200 runs)", async () => {
    const k = await loadFixture(kernelsFixture);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.bigInt({ min: 0n, max: 2n ** 200n }), {
          minLength: 1,
          maxLength: 256,
        }),
        fc.nat(),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        async (words, pick, seed) => {
          const kth = 1 + (pick % words.length);
          const sorted = [...words].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
          expect(await k.selectTopDesc(words, kth, seed)).to.equal(sorted[kth - 1]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
