import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress } from "ethers";
import {
  deployBilling,
  CANCELLER_ROLE,
  DEFAULT_ADMIN_ROLE,
  EXECUTOR_ROLE,
  GOVERNANCE_DEVNET_DEFAULTS,
  PARAMS_ROLE,
  PROPOSER_ROLE,
  deployGovernance,
  handRolesToTimelock,
} from "@noosphere/deploy";
import { deployNoos } from "../shared/noos";
import { governanceFixture, MIN_DELAY, VOTING_DELAY, VOTING_PERIOD } from "./fixture";

describe("Governance: deployment", function () {
  it("wires the timelock: governor proposes and cancels, anyone executes, the deployer keeps nothing", async function () {
    const { governor, timelock, deployer } = await loadFixture(governanceFixture);
    const g = await governor.getAddress();
    const t = await timelock.getAddress();
    expect(await timelock.hasRole(PROPOSER_ROLE, g)).to.equal(true);
    expect(await timelock.hasRole(CANCELLER_ROLE, g)).to.equal(true);
    expect(await timelock.hasRole(EXECUTOR_ROLE, ZeroAddress)).to.equal(true);
    expect(await timelock.hasRole(DEFAULT_ADMIN_ROLE, deployer.address)).to.equal(false);
    expect(await timelock.hasRole(PROPOSER_ROLE, deployer.address)).to.equal(false);
    expect(await timelock.hasRole(DEFAULT_ADMIN_ROLE, t)).to.equal(true);
    expect(await timelock.getMinDelay()).to.equal(MIN_DELAY);
    expect(await governor.timelock()).to.equal(t);
  });

  it("sets the governor from its constructor arguments", async function () {
    const { governor, token } = await loadFixture(governanceFixture);
    expect(await governor.name()).to.equal("NoosGovernor");
    expect(await governor.token()).to.equal(await token.getAddress());
    expect(await governor.votingDelay()).to.equal(VOTING_DELAY);
    expect(await governor.votingPeriod()).to.equal(VOTING_PERIOD);
    expect(await governor.proposalThreshold()).to.equal(0n);
    expect(await governor["quorumNumerator()"]()).to.equal(4n);
    expect(await governor.CLOCK_MODE()).to.equal("mode=blocknumber&from=default");
  });

  it("the devnet defaults apply to what is not given, and timelockAdmin keeps a setup admin", async function () {
    const [deployer, helper] = await ethers.getSigners();
    const token = await deployNoos(deployer!);
    const { governor, timelock } = await deployGovernance(deployer!, {
      token: await token.getAddress(),
      timelockAdmin: helper!.address,
    });
    expect(await governor.votingDelay()).to.equal(BigInt(GOVERNANCE_DEVNET_DEFAULTS.votingDelay));
    expect(await governor.votingPeriod()).to.equal(BigInt(GOVERNANCE_DEVNET_DEFAULTS.votingPeriod));
    expect(await governor["quorumNumerator()"]()).to.equal(BigInt(GOVERNANCE_DEVNET_DEFAULTS.quorumPercent));
    expect(await timelock.getMinDelay()).to.equal(BigInt(GOVERNANCE_DEVNET_DEFAULTS.minDelay));
    expect(await timelock.hasRole(DEFAULT_ADMIN_ROLE, helper!.address)).to.equal(true);
    expect(await timelock.hasRole(DEFAULT_ADMIN_ROLE, deployer!.address)).to.equal(false);
  });

  it("handRolesToTimelock gives the timelock every role and strips the deployer", async function () {
    const { billing, timelock, deployer } = await loadFixture(governanceFixture);
    const t = await timelock.getAddress();
    expect(await billing.hasRole(PARAMS_ROLE, t)).to.equal(true);
    expect(await billing.hasRole(DEFAULT_ADMIN_ROLE, t)).to.equal(true);
    expect(await billing.hasRole(PARAMS_ROLE, deployer.address)).to.equal(false);
    expect(await billing.hasRole(DEFAULT_ADMIN_ROLE, deployer.address)).to.equal(false);
    await expect(billing.connect(deployer).setPrice(1, 0, 1))
      .to.be.revertedWithCustomError(billing, "AccessControlUnauthorizedAccount")
      .withArgs(deployer.address, PARAMS_ROLE);
  });

  it("handRolesToTimelock takes roles in any order and keeps the admin role for last", async function () {
    const [deployer, timelockStandIn] = await ethers.getSigners();
    const token = await deployNoos(deployer!);
    const billing = await deployBilling(deployer!, { token: await token.getAddress(), treasury: deployer!.address });
    await handRolesToTimelock(deployer!, await billing.getAddress(), timelockStandIn!.address, [
      DEFAULT_ADMIN_ROLE,
      PARAMS_ROLE,
    ]);
    expect(await billing.hasRole(PARAMS_ROLE, timelockStandIn!.address)).to.equal(true);
    expect(await billing.hasRole(DEFAULT_ADMIN_ROLE, deployer!.address)).to.equal(false);
  });

  it("governor settings change only through governance", async function () {
    const { governor, stranger } = await loadFixture(governanceFixture);
    await expect(governor.connect(stranger).setVotingPeriod(5))
      .to.be.revertedWithCustomError(governor, "GovernorOnlyExecutor")
      .withArgs(stranger.address);
    await expect(governor.connect(stranger).updateQuorumNumerator(1))
      .to.be.revertedWithCustomError(governor, "GovernorOnlyExecutor")
      .withArgs(stranger.address);
  });

  it("the timelock refuses to schedule for anyone but the governor", async function () {
    const { timelock, stranger } = await loadFixture(governanceFixture);
    await expect(timelock.connect(stranger).schedule(ZeroAddress, 0, "0x", ethers.ZeroHash, ethers.ZeroHash, MIN_DELAY))
      .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, PROPOSER_ROLE);
  });
});
