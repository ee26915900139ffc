import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Staking__factory } from "@noosphere/contracts";
import { deployStaking } from "@noosphere/deploy";
import { MAX_TAKE, deployTestToken, stakingFixture } from "./fixtures";

describe("Staking: deployment, roles and parameters", function () {
  async function freshFixture() {
    const [deployer, admin, other] = await ethers.getSigners();
    const { token } = await deployTestToken(deployer!);
    const staking = await deployStaking(deployer!, { token: await token.getAddress(), admin: admin!.address });
    return { staking, token, deployer: deployer!, admin: admin!, other: other! };
  }

  describe("constructor", function () {
    it("gives admin DEFAULT_ADMIN_ROLE and PARAMS_ROLE, and the deployer nothing", async function () {
      const { staking, token, deployer, admin } = await loadFixture(freshFixture);
      expect(await staking.token()).to.equal(await token.getAddress());
      expect(await staking.PARAMS_ROLE()).to.equal(ethers.id("PARAMS_ROLE"));
      expect(await staking.REWARDER_ROLE()).to.equal(ethers.id("REWARDER_ROLE"));
      expect(await staking.hasRole(await staking.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await staking.hasRole(await staking.PARAMS_ROLE(), admin.address)).to.equal(true);
      expect(await staking.hasRole(await staking.REWARDER_ROLE(), admin.address)).to.equal(false);
      expect(await staking.hasRole(await staking.DEFAULT_ADMIN_ROLE(), deployer.address)).to.equal(false);
      expect(await staking.hasRole(await staking.PARAMS_ROLE(), deployer.address)).to.equal(false);
    });

    it("starts with the default parameters and says so in events", async function () {
      const { staking } = await loadFixture(freshFixture);
      expect(await staking.MAX_TAKE()).to.equal(MAX_TAKE);
      expect(await staking.minDelegation()).to.equal(await staking.DEFAULT_MIN_DELEGATION());
      expect(await staking.minDelegation()).to.equal(ethers.parseEther("0.1"));
      expect(await staking.unstakeCooldownBlocks()).to.equal(50_400n);
      expect(await staking.takeRaiseInterval()).to.equal(50_400n);
      expect(await staking.takeDelayBlocks()).to.equal(360n);
      const tx = staking.deploymentTransaction()!;
      await expect(tx).to.emit(staking, "MinDelegationSet").withArgs(ethers.parseEther("0.1"));
      await expect(tx).to.emit(staking, "UnstakeCooldownSet").withArgs(50_400);
      await expect(tx).to.emit(staking, "TakeRaiseIntervalSet").withArgs(50_400);
      await expect(tx).to.emit(staking, "TakeDelaySet").withArgs(360);
      expect(await staking.totals()).to.deep.equal([0n, 0n, 0n]);
    });

    it("reverts for a zero token or admin", async function () {
      const { staking, token, deployer } = await loadFixture(freshFixture);
      const factory = new Staking__factory(deployer);
      await expect(factory.deploy(await token.getAddress(), ethers.ZeroAddress)).to.be.revertedWithCustomError(
        staking,
        "StakingZeroAddress",
      );
      await expect(factory.deploy(ethers.ZeroAddress, deployer.address)).to.be.revertedWithCustomError(
        staking,
        "StakingZeroAddress",
      );
    });
  });

  describe("parameter setters", function () {
    const setters = [
      { name: "setMinDelegation", getter: "minDelegation", event: "MinDelegationSet", value: 123n },
      { name: "setUnstakeCooldownBlocks", getter: "unstakeCooldownBlocks", event: "UnstakeCooldownSet", value: 7n },
      { name: "setTakeRaiseInterval", getter: "takeRaiseInterval", event: "TakeRaiseIntervalSet", value: 9n },
      { name: "setTakeDelayBlocks", getter: "takeDelayBlocks", event: "TakeDelaySet", value: 11n },
    ] as const;

    for (const { name, getter, event, value } of setters) {
      describe(name, function () {
        it("sets the value and emits " + event, async function () {
          const { staking, admin } = await loadFixture(freshFixture);
          await expect(staking.connect(admin)[name](value)).to.emit(staking, event).withArgs(value);
          expect(await staking[getter]()).to.equal(value);
          await expect(staking.connect(admin)[name](0)).to.emit(staking, event).withArgs(0);
          expect(await staking[getter]()).to.equal(0n);
        });

        it("is for PARAMS_ROLE only (not even DEFAULT_ADMIN_ROLE alone)", async function () {
          const { staking, admin, other } = await loadFixture(freshFixture);
          await expect(staking.connect(other)[name](value))
            .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
            .withArgs(other.address, await staking.PARAMS_ROLE());
          await staking.connect(admin).grantRole(await staking.DEFAULT_ADMIN_ROLE(), other.address);
          await expect(staking.connect(other)[name](value)).to.be.revertedWithCustomError(
            staking,
            "AccessControlUnauthorizedAccount",
          );
          await staking.connect(admin).grantRole(await staking.PARAMS_ROLE(), other.address);
          await expect(staking.connect(other)[name](value)).to.emit(staking, event);
        });
      });
    }
  });

  describe("roles", function () {
    it("the admin grants and revokes REWARDER_ROLE", async function () {
      const { staking, admin, rewarder, other, hotkeyA } = await loadFixture(stakingFixture);
      const role = await staking.REWARDER_ROLE();
      await expect(staking.connect(other).grantRole(role, other.address))
        .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await staking.DEFAULT_ADMIN_ROLE());
      await staking.connect(admin).revokeRole(role, rewarder.address);
      await expect(staking.connect(rewarder).distribute(hotkeyA.address, 1, 0)).to.be.revertedWithCustomError(
        staking,
        "AccessControlUnauthorizedAccount",
      );
    });
  });
});
