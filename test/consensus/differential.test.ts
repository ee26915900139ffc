import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { randomInt } from "@noosphere/yuma";
import { runDifferentialCases } from "./scenario";
import { deployWorld } from "./world";

/**
 * The contract against packages/yuma (the TypeScript reference): random subnets are written on chain,
 * then consecutive epochs run, with new weights, registrations (new and replaced UIDs) and stake moves
 * in between; before each epoch the chain's state is read as the reference's input, and after it
 * every output (consensus, incentive, dividends, bonds, permits, emission per UID, dust) must be equal
 * exactly. Many small subnets and some medium ones here, full ones in differential-full.test.ts;
 * `npm run bench:gas` (test/gas/consensus.ts) and test/consensus/differential.bench.ts
 * run larger sets.
 */
describe("Consensus differential vs packages/yuma", function () {
  this.timeout(600_000);

  async function worldFixture() {
    return deployWorld();
  }

  it("matches on 180 small random subnets (V <= 8, M <= 24, 2 epochs each)", async () => {
    await runDifferentialCases(await loadFixture(worldFixture), 1, 180, 2, (rng) => ({
      validators: randomInt(rng, 1, 8),
      miners: randomInt(rng, 0, 24),
      randomParams: rng() < 0.7,
      density: rng(),
    }));
  });

  it("matches on 16 medium random subnets (V <= 32, M <= 96, sparse and dense, 2 epochs each)", async () => {
    await runDifferentialCases(await loadFixture(worldFixture), 1001, 16, 2, (rng) => ({
      validators: randomInt(rng, 4, 32),
      miners: randomInt(rng, 8, 96),
      randomParams: rng() < 0.5,
      density: rng() < 0.5 ? 0.1 : 0.9,
    }));
  });
});
