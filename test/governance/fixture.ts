/** Governance fixture: NOOS, governor + timelock, and Billing owned by the timelock. */
import { ethers } from "hardhat";
import { deployBilling, deployGovernance, handRolesToTimelock, type DeployGovernanceOptions } from "@noosphere/deploy";
import type { DaoAddresses } from "@noosphere/cli/dao";
import { deployNoos } from "../shared/noos";

export const NOOS = 10n ** 18n;
export const MIN_DELAY = 60n;
export const VOTING_DELAY = 1n;
export const VOTING_PERIOD = 20n;

export async function governanceFixtureWith(overrides: Partial<DeployGovernanceOptions> = {}) {
  const [deployer, alice, bob, carol, stranger] = await ethers.getSigners();
  if (!deployer || !alice || !bob || !carol || !stranger) throw new Error("need 5 accounts");
  const token = await deployNoos(deployer);
  const tokenAddress = await token.getAddress();
  const { governor, timelock } = await deployGovernance(deployer, {
    token: tokenAddress,
    minDelay: MIN_DELAY,
    votingDelay: VOTING_DELAY,
    votingPeriod: VOTING_PERIOD,
    quorumPercent: 4,
    proposalThreshold: 0n,
    ...overrides,
  });
  const timelockAddress = await timelock.getAddress();
  const billing = await deployBilling(deployer, { token: tokenAddress, treasury: timelockAddress });
  await handRolesToTimelock(deployer, await billing.getAddress(), timelockAddress);
  // alice holds 60%, bob 30%, carol 10% of 1,000 NOOS; nobody has delegated yet.
  await (await token.mint(alice.address, 600n * NOOS)).wait();
  await (await token.mint(bob.address, 300n * NOOS)).wait();
  await (await token.mint(carol.address, 100n * NOOS)).wait();
  const addresses: DaoAddresses = {
    governor: await governor.getAddress(),
    billing: await billing.getAddress(),
    token: tokenAddress,
  };
  return { deployer, alice, bob, carol, stranger, token, governor, timelock, billing, addresses };
}

export async function governanceFixture() {
  return governanceFixtureWith();
}

/** Governance where proposing needs 100 NOOS of votes. */
export async function thresholdFixture() {
  return governanceFixtureWith({ proposalThreshold: 100n * NOOS });
}
