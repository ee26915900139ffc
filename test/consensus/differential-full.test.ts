import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { runDifferentialCases } from "./scenario";
import { deployWorld } from "./world";

/**
 * Full subnets (64 validators x 192 miners, chunked epochs) against packages/yuma: sparse and dense
 * weights, default and random parameters (liquid alpha included), two epochs with changes in between.
 */
describe("Consensus differential vs packages/yuma (full subnets)", function () {
  this.timeout(600_000);

  async function worldFixture() {
    return deployWorld();
  }

  it("matches on 4 full random subnets (64 validators x 192 miners, 2 epochs each)", async () => {
    await runDifferentialCases(await loadFixture(worldFixture), 2001, 4, 2, (rng) => ({
      validators: 64,
      miners: 192,
      randomParams: rng() < 0.5,
      density: rng() < 0.5 ? 0.3 : 1,
      noPermitRate: 0,
    }));
  });
});
