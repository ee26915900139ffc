import { ZeroAddress, ZeroHash, id, type Signer } from "ethers";
import {
  IAccessControl__factory,
  NoosGovernor__factory,
  NoosTimelock__factory,
  type NoosGovernor,
  type NoosTimelock,
} from "../../packages/contracts/generated/typechain";

export const PARAMS_ROLE = id("PARAMS_ROLE");
export const DEFAULT_ADMIN_ROLE = ZeroHash;
export const PROPOSER_ROLE = id("PROPOSER_ROLE");
export const EXECUTOR_ROLE = id("EXECUTOR_ROLE");
export const CANCELLER_ROLE = id("CANCELLER_ROLE");

/** Options of {@link deployGovernance}; unset fields take {@link GOVERNANCE_DEVNET_DEFAULTS}. */
export interface DeployGovernanceOptions {
  /** The NOOS token (ERC20Votes). */
  token: string;
  /** Timelock delay between queue and execute, seconds. */
  minDelay?: number | bigint;
  /** Blocks between proposing and the start of voting. */
  votingDelay?: number | bigint;
  /** Blocks voting lasts. */
  votingPeriod?: number | bigint;
  /** Quorum, percent of total supply at the snapshot. */
  quorumPercent?: number | bigint;
  /** Votes needed to propose, in token units (1e18 = 1 NOOS). */
  proposalThreshold?: bigint;
  /** Keep this account as timelock admin (setup only); default none: the timelock administers itself. */
  timelockAdmin?: string;
}

/** Devnet-friendly defaults: a vote of 50 blocks, 1 minute of timelock, 4% quorum, anyone may propose. */
export const GOVERNANCE_DEVNET_DEFAULTS = {
  minDelay: 60,
  votingDelay: 1,
  votingPeriod: 50,
  quorumPercent: 4,
  proposalThreshold: 0n,
} as const;

export interface Governance {
  governor: NoosGovernor;
  timelock: NoosTimelock;
}

/**
 * Deploys the timelock and the governor and wires them: the governor is the only proposer and canceller,
 * anyone may execute, and the deployer keeps no role on the timelock (unless `timelockAdmin` says so).
 */
export async function deployGovernance(deployer: Signer, options: DeployGovernanceOptions): Promise<Governance> {
  const o = { ...GOVERNANCE_DEVNET_DEFAULTS, ...definedOnly(options) };
  const me = await deployer.getAddress();
  const timelock = await new NoosTimelock__factory(deployer).deploy(o.minDelay, [], [ZeroAddress], me);
  await timelock.waitForDeployment();
  const governor = await new NoosGovernor__factory(deployer).deploy(
    options.token,
    await timelock.getAddress(),
    o.votingDelay,
    o.votingPeriod,
    o.proposalThreshold,
    o.quorumPercent,
  );
  await governor.waitForDeployment();
  const governorAddress = await governor.getAddress();
  await (await timelock.grantRole(PROPOSER_ROLE, governorAddress)).wait();
  await (await timelock.grantRole(CANCELLER_ROLE, governorAddress)).wait();
  if (options.timelockAdmin && options.timelockAdmin !== me) {
    await (await timelock.grantRole(DEFAULT_ADMIN_ROLE, options.timelockAdmin)).wait();
  }
  if (options.timelockAdmin !== me) await (await timelock.renounceRole(DEFAULT_ADMIN_ROLE, me)).wait();
  return { governor, timelock };
}

/**
 * Hands `roles` (default PARAMS_ROLE and DEFAULT_ADMIN_ROLE) of an AccessControl contract to the timelock
 * and renounces them for `holder` (admin last, so the grants go through first).
 */
export async function handRolesToTimelock(
  holder: Signer,
  contract: string,
  timelock: string,
  roles: readonly string[] = [PARAMS_ROLE, DEFAULT_ADMIN_ROLE],
): Promise<void> {
  const ac = IAccessControl__factory.connect(contract, holder);
  const me = await holder.getAddress();
  const ordered = [...roles].sort((a, b) => Number(a === DEFAULT_ADMIN_ROLE) - Number(b === DEFAULT_ADMIN_ROLE));
  for (const role of ordered) await (await ac.grantRole(role, timelock)).wait();
  for (const role of ordered) await (await ac.renounceRole(role, me)).wait();
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
