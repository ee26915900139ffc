import { loadFixture, takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import { randomInt, seededRng, type RandomSubnetOptions } from "../../packages/yuma/src";
import { epochMatchesReference } from "./reference";
import { changeBetweenEpochs, writeRandomSubnet } from "./scenario";
import { deployWorld } from "./world";

/**
 * The contract against packages/yuma (the TypeScript reference): random subnets are written on chain,
 * then several consecutive epochs run, with new weights, registrations and stake moves in between;
 * before each epoch the chain's state is read as the reference's input, and after it every output
 * (consensus, incentive, dividends, bonds, permits, emission per UID, dust) must be equal exactly.
 * Many small subnets, some medium and a few full ones (64 x 256) keep CI time in check;
 * scripts/bench/consensus-differential.ts runs more.
 */
describe("Consensus differential vs packages/yuma", function () {
  this.timeout(600_000);

  async function worldFixture() {
    return deployWorld();
  }

  async function runCases(
    first: number,
    count: number,
    epochs: number,
    shape: (rng: () => number) => RandomSubnetOptions,
  ): Promise<void> {
    const w = await loadFixture(worldFixture);
    for (let k = 0; k < count; k++) {
      const seed = first + k;
      const snapshot = await takeSnapshot();
      const rng = seededRng(seed);
      const netuid = 1 + (seed % 1000);
      await writeRandomSubnet(w, netuid, rng, shape(rng));
      for (let e = 0; e < epochs; e++) {
        await epochMatchesReference(w, netuid, `seed ${seed} epoch ${e}`);
        if (e + 1 < epochs) await changeBetweenEpochs(w, netuid, rng);
      }
      await snapshot.restore();
    }
  }

  it("matches on 160 small random subnets (V <= 8, M <= 24, 3 epochs each)", async () => {
    await runCases(1, 160, 3, (rng) => ({
      validators: randomInt(rng, 1, 8),
      miners: randomInt(rng, 0, 24),
      randomParams: rng() < 0.7,
      density: rng(),
    }));
  });

  it("matches on 36 medium random subnets (V <= 32, M <= 96, sparse and dense, 2 epochs each)", async () => {
    await runCases(1001, 36, 2, (rng) => ({
      validators: randomInt(rng, 4, 32),
      miners: randomInt(rng, 8, 96),
      randomParams: rng() < 0.5,
      density: rng() < 0.5 ? 0.1 : 0.9,
    }));
  });

  it("matches on 4 full subnets (64 validators x 192 miners, 2 epochs each)", async () => {
    await runCases(2001, 4, 2, (rng) => ({
      validators: 64,
      miners: 192,
      randomParams: rng() < 0.5,
      density: rng() < 0.5 ? 0.3 : 1,
      noPermitRate: 0,
    }));
  });
});
