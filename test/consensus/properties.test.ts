import { expect } from "chai";
import fc from "fast-check";
import { loadFixture, takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import { randomInt, seededRng } from "@noosphere/yuma";
import { runEpochToEnd } from "./reference";
import { changeBetweenEpochs, writeRandomSubnet } from "./scenario";
import { createSubnet, deployWorld, type World } from "./world";

const ONE = 10n ** 18n;

/**
 * Properties of every epoch on random subnets (fast-check over the seed of a packages/yuma random
 * subnet, two consecutive epochs each): incentive and dividends each sum to 1 (10^18) within
 * rounding, or to 0; the tokens an epoch pays equal what it pulled plus what was carried, with the
 * rounding dust carried to the next epoch: never created, never lost.
 */
describe("Consensus epoch properties (fast-check)", function () {
  this.timeout(600_000);

  async function worldFixture() {
    return deployWorld();
  }

  async function checkEpoch(w: World, netuid: number): Promise<void> {
    const c = w.consensus;
    const stakingAddress = await w.staking.getAddress();
    const consensusAddress = await c.getAddress();
    const stakingBefore = await w.token.balanceOf(stakingAddress);
    const carriedBefore = await c.carried(netuid);
    const pending = await w.emission.pendingEmission(netuid);
    const stats = await runEpochToEnd(w, netuid);
    expect(stats.pool).to.equal(pending + carriedBefore);
    expect(stats.maxGas).to.be.lessThan(16_777_216n);

    const r = await c.lastEpoch(netuid);
    const n = Number(r.n);
    const incentive = await c.incentives(netuid);
    const sumI = incentive.reduce((a, b) => a + b, 0n);
    if (sumI !== 0n) expect(sumI).to.be.within(ONE - BigInt(n), ONE);
    const [uids, , dividends] = await c.validators(netuid);
    const sumD = dividends.reduce((a, b) => a + b, 0n);
    if (sumD !== 0n) expect(sumD).to.be.within(ONE - BigInt(uids.length), ONE);

    // conservation: pool = owner cut + paid + carried; every token is with Staking or carried
    expect(r.ownerCut + r.emission).to.equal(stats.pool);
    expect(r.paid + r.carried).to.equal(r.emission);
    const [miner, validator] = await c.emissions(netuid);
    const paid = [...miner, ...validator].reduce((a, b) => a + b, 0n);
    expect(paid).to.equal(r.paid);
    expect(await w.token.balanceOf(stakingAddress)).to.equal(stakingBefore + r.ownerCut + r.paid);
    expect(await w.token.balanceOf(consensusAddress)).to.equal(r.carried);
    expect(await c.carried(netuid)).to.equal(r.carried);
    // dust stays small: fewer than one token unit per UID and share
    if (sumI !== 0n || sumD !== 0n) expect(r.carried).to.be.lessThan(BigInt(2 * n + 2));
  }

  it("refuses a registry reporting more than 256 UIDs (ConsensusTooManyUids)", async () => {
    const w = await loadFixture(worldFixture);
    await createSubnet(w, { netuid: 9, neurons: 257 });
    await expect(w.consensus.runEpoch(9))
      .to.be.revertedWithCustomError(w.consensus, "ConsensusTooManyUids")
      .withArgs(9, 257);
  });

  it("incentive and dividends sum to 1 and emission is conserved (120 runs)", async () => {
    const w = await loadFixture(worldFixture);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        const snapshot = await takeSnapshot();
        try {
          const rng = seededRng(seed);
          const netuid = 1 + (seed % 500);
          await writeRandomSubnet(w, netuid, rng, {
            validators: randomInt(rng, 1, 6),
            miners: randomInt(rng, 0, 12),
            randomParams: rng() < 0.5,
            density: rng(),
          });
          await checkEpoch(w, netuid);
          await changeBetweenEpochs(w, netuid, rng);
          await checkEpoch(w, netuid);
        } finally {
          await snapshot.restore();
        }
      }),
      { numRuns: 120 },
    );
  });
});
