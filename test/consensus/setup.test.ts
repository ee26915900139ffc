import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployConsensus, deployConsensusLibraries } from "@noosphere/deploy";
import { addNeuron, createTestSubnet, deployStack, ONE, paramsObject } from "./fixtures";

describe("Consensus deployment, roles and parameters", function () {
  describe("deployment and roles", () => {
    it("rejects a zero address in the constructor", async () => {
      const s = await loadFixture(deployStack);
      const libraries = await deployConsensusLibraries(s.admin);
      const deps = {
        token: await s.token.getAddress(),
        emission: await s.emission.getAddress(),
        staking: await s.staking.getAddress(),
        subnets: await s.subnets.getAddress(),
        admin: await s.admin.getAddress(),
      };
      for (const key of Object.keys(deps) as (keyof typeof deps)[]) {
        await expect(
          deployConsensus(s.admin, { ...deps, [key]: hre.ethers.ZeroAddress }, libraries),
        ).to.be.revertedWithCustomError(s.consensus, "ConsensusZeroAddress");
      }
    });

    it("gives the admin DEFAULT_ADMIN_ROLE and PARAMS_ROLE, and approves Staking for payouts", async () => {
      const s = await loadFixture(deployStack);
      const admin = await s.admin.getAddress();
      expect(await s.consensus.hasRole(await s.consensus.DEFAULT_ADMIN_ROLE(), admin)).to.equal(true);
      expect(await s.consensus.hasRole(await s.consensus.PARAMS_ROLE(), admin)).to.equal(true);
      expect(await s.consensus.PARAMS_ROLE()).to.equal(hre.ethers.id("PARAMS_ROLE"));
      expect(await s.token.allowance(await s.consensus.getAddress(), await s.staking.getAddress())).to.equal(
        hre.ethers.MaxUint256,
      );
      expect(await s.consensus.token()).to.equal(await s.token.getAddress());
      expect(await s.consensus.emission()).to.equal(await s.emission.getAddress());
      expect(await s.consensus.staking()).to.equal(await s.staking.getAddress());
      expect(await s.consensus.subnets()).to.equal(await s.subnets.getAddress());
    });

    it("cannot run an epoch without its roles on Emission, Staking and the registry", async () => {
      const s = await loadFixture(deployStack);
      const netuid = await createTestSubnet(s);
      await addNeuron(s, netuid, ONE);
      const bare = await deployConsensus(s.admin, {
        token: await s.token.getAddress(),
        emission: await s.emission.getAddress(),
        staking: await s.staking.getAddress(),
        subnets: await s.subnets.getAddress(),
        admin: await s.admin.getAddress(),
      });
      const bareAddress = await bare.getAddress();
      await expect(bare.runEpoch(netuid))
        .to.be.revertedWithCustomError(s.emission, "AccessControlUnauthorizedAccount")
        .withArgs(bareAddress, await s.emission.DISTRIBUTOR_ROLE());
      await (await s.emission.grantRole(await s.emission.DISTRIBUTOR_ROLE(), bareAddress)).wait();
      await expect(bare.runEpoch(netuid))
        .to.be.revertedWithCustomError(s.staking, "AccessControlUnauthorizedAccount")
        .withArgs(bareAddress, await s.staking.REWARDER_ROLE());
      await (await s.staking.grantRole(await s.staking.REWARDER_ROLE(), bareAddress)).wait();
      await expect(bare.runEpoch(netuid))
        .to.be.revertedWithCustomError(s.subnets, "AccessControlUnauthorizedAccount")
        .withArgs(bareAddress, await s.subnets.EPOCH_ROLE());
      await (await s.subnets.grantRole(await s.subnets.EPOCH_ROLE(), bareAddress)).wait();
      await expect(bare.runEpoch(netuid)).to.emit(bare, "EpochFinished");
    });
  });

  describe("parameters", () => {
    it("starts from Bittensor's defaults", async () => {
      const s = await loadFixture(deployStack);
      const p = await s.consensus.paramsOf(7);
      expect(p.configured).to.equal(false);
      expect(p.kappa).to.equal(ONE / 2n);
      expect(p.bondsMovingAverage).to.equal((ONE * 9n) / 10n);
      expect(p.bondsPenalty).to.equal(ONE);
      expect(p.liquidAlpha).to.equal(false);
      expect(p.alphaLow).to.equal((ONE * 7n) / 10n);
      expect(p.alphaHigh).to.equal((ONE * 9n) / 10n);
      expect(p.alphaSteepness).to.equal(1000n);
      expect(p.activityCutoff).to.equal(5000n);
      expect(p.weightsRateLimit).to.equal(100n);
      expect(p.maxWeight).to.equal(65_535n);
    });

    it("lets PARAMS_ROLE set them (ParamsSet) and nobody else", async () => {
      const s = await loadFixture(deployStack);
      const p = {
        ...paramsObject(await s.consensus.defaultParams()),
        kappa: ONE / 3n,
        activityCutoff: 77,
      };
      await expect(s.consensus.connect(s.other).setParams(3, p))
        .to.be.revertedWithCustomError(s.consensus, "AccessControlUnauthorizedAccount")
        .withArgs(await s.other.getAddress(), await s.consensus.PARAMS_ROLE());
      const tx = s.consensus.setParams(3, p);
      await expect(tx).to.emit(s.consensus, "ParamsSet");
      const stored = await s.consensus.paramsOf(3);
      expect(stored.configured).to.equal(true);
      expect(stored.kappa).to.equal(ONE / 3n);
      expect(stored.activityCutoff).to.equal(77n);
      expect((await s.consensus.paramsOf(4)).configured).to.equal(false);
    });

    const invalid: [string, Record<string, unknown>][] = [
      ["kappa 0", { kappa: 0n }],
      ["kappa above 1", { kappa: ONE + 1n }],
      ["bondsMovingAverage above 1", { bondsMovingAverage: ONE + 1n }],
      ["bondsPenalty above 1", { bondsPenalty: ONE + 1n }],
      ["alphaLow above alphaHigh", { alphaLow: ONE / 2n, alphaHigh: ONE / 4n }],
      ["alphaHigh above 1", { alphaHigh: ONE + 1n }],
      ["steepness above 32,767", { alphaSteepness: 32_768 }],
      ["an unknown consensus mode", { consensusMode: 4 }],
      ["maxWeight 0", { maxWeight: 0 }],
    ];
    for (const [why, change] of invalid) {
      it(`rejects ${why}`, async () => {
        const s = await loadFixture(deployStack);
        const p = {
          ...paramsObject(await s.consensus.defaultParams()),
          ...change,
        };
        await expect(s.consensus.setParams(5, p))
          .to.be.revertedWithCustomError(s.consensus, "ConsensusInvalidParams")
          .withArgs(5);
      });
    }
  });
});
