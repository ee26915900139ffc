import { ZeroAddress, ZeroHash, id, resolveAddress, type AddressLike, type Signer } from "ethers";
import {
  IAccessControl__factory,
  NoosGovernor__factory,
  TimelockController__factory,
  type NoosGovernor,
  type TimelockController,
} from "@noosphere/contracts";

export const PARAMS_ROLE = id("PARAMS_ROLE");
export const DEFAULT_ADMIN_ROLE = ZeroHash;
export const PROPOSER_ROLE = id("PROPOSER_ROLE");
export const EXECUTOR_ROLE = id("EXECUTOR_ROLE");
export const CANCELLER_ROLE = id("CANCELLER_ROLE");

/** Options of {@link deployGovernance}; unset fields take {@link GOVERNANCE_DEVNET_DEFAULTS}. */
export interface DeployGovernanceOptions {
  /** The NOOS token (ERC20Votes). */
  token: AddressLike;
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
  timelockAdmin?: AddressLike;
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
  timelock: TimelockController;
}

/**
 * Deploys OpenZeppelin's TimelockController and NoosGovernor and wires them: the governor is the only
 * proposer and canceller, anyone may execute, and the deployer keeps no role on the timelock (unless
 * `timelockAdmin` names it).
 */
export async function deployGovernance(deployer: Signer, options: DeployGovernanceOptions): Promise<Governance> {
  const o = { ...GOVERNANCE_DEVNET_DEFAULTS, ...definedOnly(options) };
  const me = await deployer.getAddress();
  const keepAdmin = options.timelockAdmin === undefined ? undefined : await resolveAddress(options.timelockAdmin);
  const timelock = await new TimelockController__factory(deployer).deploy(o.minDelay, [], [ZeroAddress], me);
  await timelock.waitForDeployment();
  const governor = await new NoosGovernor__factory(deployer).deploy(
    await resolveAddress(options.token),
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
  if (keepAdmin !== undefined && keepAdmin !== me)
    await (await timelock.grantRole(DEFAULT_ADMIN_ROLE, keepAdmin)).wait();
  if (keepAdmin !== me) await (await timelock.renounceRole(DEFAULT_ADMIN_ROLE, me)).wait();
  return { governor, timelock };
}

/**
 * Hands `roles` (default PARAMS_ROLE and DEFAULT_ADMIN_ROLE) of an AccessControl contract to the timelock
 * and renounces them for `holder` (admin last, so the other renounces go through first).
 */
export async function handRolesToTimelock(
  holder: Signer,
  contract: AddressLike,
  timelock: AddressLike,
  roles: readonly string[] = [PARAMS_ROLE, DEFAULT_ADMIN_ROLE],
): Promise<void> {
  const ac = IAccessControl__factory.connect(await resolveAddress(contract), holder);
  const to = await resolveAddress(timelock);
  const me = await holder.getAddress();
  const ordered = [...roles].sort((a, b) => Number(a === DEFAULT_ADMIN_ROLE) - Number(b === DEFAULT_ADMIN_ROLE));
  for (const role of ordered) await (await ac.grantRole(role, to)).wait();
  for (const role of ordered) await (await ac.renounceRole(role, me)).wait();
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
