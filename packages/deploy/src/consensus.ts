/**
 * Deploys the consensus contract (weights commit-reveal + on-chain Yuma epochs) with its epoch
 * libraries, and grants it the roles it needs on Emission, Staking and the subnet registry.
 * Shared by the tests and the real deploy script.
 */
import hre from "hardhat";
import type { Signer } from "ethers";
import type { Consensus, ConsensusTestHarness } from "@noosphere/contracts";

/** Addresses the consensus contract links to. */
export interface ConsensusDeps {
  token: string;
  emission: string;
  staking: string;
  subnets: string;
  /** DEFAULT_ADMIN_ROLE and PARAMS_ROLE (hand both to the DAO timelock after setup). */
  admin: string;
}

/** Addresses of the linked epoch libraries. */
export interface ConsensusLibraries {
  EpochStartLib: string;
  EpochConsensusLib: string;
  EpochPayLib: string;
}

const LIBRARY_NAMES = ["EpochStartLib", "EpochConsensusLib", "EpochPayLib"] as const;

/** Deploys the three epoch libraries (stateless code that runs on the consensus contract's storage). */
export async function deployConsensusLibraries(deployer: Signer): Promise<ConsensusLibraries> {
  const out: Partial<ConsensusLibraries> = {};
  for (const name of LIBRARY_NAMES) {
    const lib = await hre.ethers.deployContract(name, [], deployer);
    await lib.waitForDeployment();
    out[name] = await lib.getAddress();
  }
  return out as ConsensusLibraries;
}

/** Deploys Consensus (or, in tests, `contractName` = "ConsensusTestHarness") linked to `libraries`. */
async function deployLinked<T>(
  contractName: "Consensus" | "ConsensusTestHarness",
  deployer: Signer,
  deps: ConsensusDeps,
  libraries?: ConsensusLibraries,
): Promise<T> {
  const libs = libraries ?? (await deployConsensusLibraries(deployer));
  const factory = await hre.ethers.getContractFactory(contractName, {
    signer: deployer,
    libraries: { ...libs },
  });
  const contract = await factory.deploy(deps.token, deps.emission, deps.staking, deps.subnets, deps.admin);
  await contract.waitForDeployment();
  return contract as unknown as T;
}

/** Deploys the consensus contract; libraries are deployed too unless given. */
export async function deployConsensus(
  deployer: Signer,
  deps: ConsensusDeps,
  libraries?: ConsensusLibraries,
): Promise<Consensus> {
  return deployLinked<Consensus>("Consensus", deployer, deps, libraries);
}

/** Test only: Consensus with setters for rows, bonds and permits (differential tests). */
export async function deployConsensusHarness(
  deployer: Signer,
  deps: ConsensusDeps,
  libraries?: ConsensusLibraries,
): Promise<ConsensusTestHarness> {
  return deployLinked<ConsensusTestHarness>("ConsensusTestHarness", deployer, deps, libraries);
}

/** A contract exposing OpenZeppelin AccessControl's grantRole. */
interface RoleGranting {
  grantRole(role: string, account: string): Promise<{ wait(): Promise<unknown> }>;
}

const role = (name: string): string => hre.ethers.id(name);

/**
 * Grants `consensus` DISTRIBUTOR_ROLE on Emission, REWARDER_ROLE on Staking and EPOCH_ROLE on the
 * registry. `admin` must hold DEFAULT_ADMIN_ROLE on all three.
 */
export async function grantConsensusRoles(
  admin: Signer,
  consensus: string,
  deps: Pick<ConsensusDeps, "emission" | "staking" | "subnets">,
): Promise<void> {
  const abi = ["function grantRole(bytes32 role, address account)"];
  const grants: [string, string][] = [
    [deps.emission, "DISTRIBUTOR_ROLE"],
    [deps.staking, "REWARDER_ROLE"],
    [deps.subnets, "EPOCH_ROLE"],
  ];
  for (const [target, name] of grants) {
    const c = new hre.ethers.Contract(target, abi, admin) as unknown as RoleGranting;
    await (await c.grantRole(role(name), consensus)).wait();
  }
}
