import type { Signer } from "ethers";
import type {
  Deployment,
  Billing,
  Consensus,
  Emission,
  ModelRegistry,
  NoosGovernor,
  NoosToken,
  Staking,
  SubnetRegistry,
  TimelockController,
} from "@noosphere/contracts";
import { deployToken } from "./token";
import { deployEmission } from "./emission";
import { deployStaking } from "./staking";
import { deploySubnetRegistry } from "./subnets";
import { deployGovernance } from "./governance";
import { deployConsensus } from "./consensus";
import { deployModelRegistry } from "./models";
import { deployBilling } from "./billing";

export interface NoosphereContracts {
  token: NoosToken;
  emission: Emission;
  staking: Staking;
  subnets: SubnetRegistry;
  consensus: Consensus;
  models: ModelRegistry;
  billing: Billing;
  timelock: TimelockController;
  governor: NoosGovernor;
}

export interface GovernanceSettings {
  minDelay: number; // seconds
  votingDelay: number; // blocks (NOOS votes use the block-number clock)
  votingPeriod: number; // blocks
  quorumPercent: number;
  proposalThreshold: bigint;
}

/** Devnet governance only: a vote takes a minute, and anyone may propose. Never a real chain's. */
export const DEVNET_GOVERNANCE: GovernanceSettings = {
  minDelay: 60,
  votingDelay: 1,
  votingPeriod: 50,
  quorumPercent: 4,
  proposalThreshold: 0n,
};

/**
 * Governance of any chain but a devnet, unless its genesis names other settings: a change waits
 * two days in the timelock after a vote that opens a day after the proposal and lasts a week (in
 * blocks of 12 s: a chain with faster blocks must name its own counts), passes with 4% of the
 * votes, and proposing takes 10,000 NOOS of votes. Time for holders to see a proposal, vote on it,
 * and leave before it takes effect.
 */
export const PRODUCTION_GOVERNANCE: GovernanceSettings = {
  minDelay: 2 * 86_400,
  votingDelay: 7_200,
  votingPeriod: 50_400,
  quorumPercent: 4,
  proposalThreshold: 10_000n * 10n ** 18n,
};

/** The governance a deployment to `chainId` gets: a Hardhat devnet's, the genesis's, else production. */
export function governanceFor(chainId: number, named?: GovernanceSettings): GovernanceSettings {
  if (named) return named;
  return chainId === 31337 ? DEVNET_GOVERNANCE : PRODUCTION_GOVERNANCE;
}

export type Log = (message: string) => void;

/**
 * Deploys every contract and wires the roles between them. The deployer keeps the admin and
 * parameter roles so that genesis configuration can follow; `handOverToTimelock` ends that.
 */
export async function deployNoosphere(
  deployer: Signer,
  governance: GovernanceSettings = DEVNET_GOVERNANCE,
  log: Log = () => {},
): Promise<NoosphereContracts> {
  const admin = await deployer.getAddress();
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const out = await fn();
    log(`deployed ${name}`);
    return out;
  };
  const token = await step("NoosToken", () => deployToken(deployer, { admin }));
  const { timelock, governor } = await step("Governor + Timelock", () =>
    deployGovernance(deployer, { token, ...governance }),
  );
  const treasury = await timelock.getAddress();
  const emission = await step("Emission", () => deployEmission(deployer, { token, admin, treasury }));
  const staking = await step("Staking", () => deployStaking(deployer, { token, admin }));
  const subnets = await step("SubnetRegistry", () => deploySubnetRegistry(deployer, { token, staking, admin }));
  const consensus = await step("Consensus (+ 4 epoch libraries)", async () =>
    deployConsensus(deployer, {
      token: await token.getAddress(),
      emission: await emission.getAddress(),
      staking: await staking.getAddress(),
      subnets: await subnets.getAddress(),
      admin,
    }),
  );
  const models = await step("ModelRegistry", () => deployModelRegistry(deployer, { admin, bondToken: token }));
  const billing = await step("Billing", () =>
    deployBilling(deployer, { token, models, treasury, admin, grantMinter: false }),
  );

  const grant = async (
    contract: { grantRole: NoosToken["grantRole"] },
    role: string,
    to: { getAddress(): Promise<string> },
  ) => (await contract.grantRole(role, await to.getAddress())).wait();
  await grant(token, await token.MINTER_ROLE(), emission);
  await grant(token, await token.MINTER_ROLE(), billing);
  await grant(emission, await emission.DISTRIBUTOR_ROLE(), consensus);
  await grant(staking, await staking.REWARDER_ROLE(), consensus);
  await grant(subnets, await subnets.EPOCH_ROLE(), consensus);
  // Emission's constructor gives its admin DEFAULT_ADMIN_ROLE only; genesis sets shares with PARAMS_ROLE.
  await grant(emission, await emission.PARAMS_ROLE(), deployer);
  log("wired roles: minters, distributor, rewarder, epoch");
  return { token, emission, staking, subnets, consensus, models, billing, timelock, governor };
}

/** Every contract with parameters, as AccessControl: what the timelock takes over. */
function governed(c: NoosphereContracts) {
  return [c.token, c.emission, c.staking, c.subnets, c.consensus, c.models, c.billing] as const;
}

/**
 * Gives the DAO timelock the admin and parameter roles of every contract and renounces the
 * deployer's, so that from here on only a passed proposal changes a parameter.
 */
export async function handOverToTimelock(c: NoosphereContracts, deployer: Signer, log: Log = () => {}): Promise<void> {
  const me = await deployer.getAddress();
  const timelock = await c.timelock.getAddress();
  for (const contract of governed(c)) {
    const admin = await contract.DEFAULT_ADMIN_ROLE();
    const roles = [admin];
    if ("PARAMS_ROLE" in contract)
      roles.push(await (contract as unknown as { PARAMS_ROLE(): Promise<string> }).PARAMS_ROLE());
    for (const role of roles) {
      if (!(await contract.hasRole(role, timelock))) await (await contract.grantRole(role, timelock)).wait();
    }
    // Admin last: renouncing it first would forbid renouncing the rest.
    for (const role of [...roles].reverse()) {
      if (await contract.hasRole(role, me)) await (await contract.renounceRole(role, me)).wait();
    }
  }
  // The timelock administers minting (it may grant MINTER_ROLE to a new Billing) but never mints.
  const minter = await c.token.MINTER_ROLE();
  if (await c.token.hasRole(minter, me)) await (await c.token.renounceRole(minter, me)).wait();
  log("handed every admin and parameter role to the timelock");
}

export async function toDeployment(
  c: NoosphereContracts,
  chainId: number,
  deployedAtBlock: number,
): Promise<Deployment> {
  const entries = await Promise.all(
    Object.entries(c).map(async ([name, contract]) => [name, await (contract as NoosToken).getAddress()] as const),
  );
  return { chainId, deployedAtBlock, contracts: Object.fromEntries(entries) as Deployment["contracts"] };
}
