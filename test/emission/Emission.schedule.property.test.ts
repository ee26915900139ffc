import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { mine, takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import type { SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import { accruals, emissionFixture } from "./fixtures";
import { CAP, emissionRef, rewardRef, threshold } from "./halving";

/** Issuance anywhere in [0, cap], with most runs close to a halving threshold or to the cap. */
const issuance = fc.oneof(
  fc.bigInt({ min: 0n, max: CAP }),
  fc
    .tuple(
      fc.integer({ min: 0, max: 86 }),
      fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
      fc.integer({ min: 0, max: 80 }),
    )
    .map(([k, d, shift]) => {
      const x = threshold(k) + (d >> BigInt(shift));
      return x < 0n ? 0n : x > CAP ? CAP : x;
    }),
  fc.bigInt({ min: 0n, max: 2n ** 64n }).map((d) => CAP - d),
);

/** Blocks in one accrual: mostly a few, sometimes enough to cross many thresholds. */
const blockCount = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 200 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 ** 34 }) },
);

describe("Emission schedule (property)", function () {
  let ctx: Awaited<ReturnType<typeof emissionFixture>>;
  let snapshot: SnapshotRestorer;

  before(async function () {
    ctx = await emissionFixture();
    snapshot = await takeSnapshot();
  });

  it("blockReward equals the closed-form halving schedule for any issuance (1,000 runs)", async function () {
    await fc.assert(
      fc.asyncProperty(issuance, async (issued) => {
        expect(await ctx.emission.blockReward(issued)).to.equal(rewardRef(issued));
      }),
      { numRuns: 1000 },
    );
  });

  it("accrue over n blocks from any issuance mints the sum of per-block rewards (1,000 runs)", async function () {
    const { token, emission, minter, holder } = ctx;
    await fc.assert(
      fc.asyncProperty(issuance, blockCount, async (target, n) => {
        await snapshot.restore();
        const last = await emission.lastAccrualBlock();
        const supply0 = await token.totalSupply();
        if (target > supply0) await token.connect(minter).mint(holder.address, target - supply0);
        const issued = await token.totalSupply();
        if (n > 0) await mine(n);
        // The view (at the latest block) and the transaction (one block later) both follow the schedule.
        const latest = BigInt(await ethers.provider.getBlockNumber());
        expect(await emission.unaccruedEmission()).to.equal(emissionRef(issued, latest - last));
        const receipt = await (await emission.accrue()).wait();
        const blocks = BigInt(receipt!.blockNumber) - last;
        const minted = accruals(emission, receipt);
        expect(minted).to.deep.equal([emissionRef(issued, blocks)]);
        expect(await token.totalSupply()).to.equal(issued + minted[0]!);
        expect(await token.totalSupply()).to.be.lessThanOrEqual(CAP);
      }),
      { numRuns: 1000 },
    );
  });
});
