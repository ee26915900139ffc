/**
 * Deploys the consensus contract (weights commit-reveal + on-chain Yuma epochs) with its epoch
 * libraries, and grants it the roles it needs on Emission, Staking and the subnet registry.
 * Shared by the tests, the devnet and the real deploy script. Plain ethers (no Hardhat runtime),
 * so that services and jest tests can deploy it too.
 */
import { ContractFactory, id, type Signer } from "ethers";
import { Consensus__factory, ConsensusTestHarness__factory, IAccessControl__factory } from "@noosphere/contracts";
import type { Consensus, ConsensusTestHarness } from "@noosphere/contracts";
import { readArtifact } from "./artifacts";

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
    const { abi, bytecode } = readArtifact(`contracts/consensus/${name}.sol`, name);
    const lib = await new ContractFactory(abi, bytecode, deployer).deploy();
    await lib.waitForDeployment();
    out[name] = await lib.getAddress();
  }
  return out as ConsensusLibraries;
}

/** The link map the typechain factories take, by fully qualified library name. */
function links(libs: ConsensusLibraries) {
  return {
    "contracts/consensus/EpochStartLib.sol:EpochStartLib": libs.EpochStartLib,
    "contracts/consensus/EpochConsensusLib.sol:EpochConsensusLib": libs.EpochConsensusLib,
    "contracts/consensus/EpochPayLib.sol:EpochPayLib": libs.EpochPayLib,
  };
}

/** Deploys the consensus contract; libraries are deployed too unless given. */
export async function deployConsensus(
  deployer: Signer,
  deps: ConsensusDeps,
  libraries?: ConsensusLibraries,
): Promise<Consensus> {
  const libs = libraries ?? (await deployConsensusLibraries(deployer));
  return deployWith(new Consensus__factory(links(libs), deployer), deps);
}

/** Test only: Consensus with setters for rows, bonds and permits (differential tests). */
export async function deployConsensusHarness(
  deployer: Signer,
  deps: ConsensusDeps,
  libraries?: ConsensusLibraries,
): Promise<ConsensusTestHarness> {
  const libs = libraries ?? (await deployConsensusLibraries(deployer));
  return deployWith(new ConsensusTestHarness__factory(links(libs), deployer), deps);
}

/** A linked factory of Consensus or its test harness: both take the same constructor arguments. */
interface ConsensusFactory<T> {
  deploy(token: string, emission: string, staking: string, subnets: string, admin: string): Promise<T>;
}

async function deployWith<T extends { waitForDeployment(): Promise<unknown> }>(
  factory: ConsensusFactory<T>,
  deps: ConsensusDeps,
): Promise<T> {
  const contract = await factory.deploy(deps.token, deps.emission, deps.staking, deps.subnets, deps.admin);
  await contract.waitForDeployment();
  return contract;
}

/**
 * Grants `consensus` DISTRIBUTOR_ROLE on Emission, REWARDER_ROLE on Staking and EPOCH_ROLE on the
 * registry. `admin` must hold DEFAULT_ADMIN_ROLE on all three.
 */
export async function grantConsensusRoles(
  admin: Signer,
  consensus: string,
  deps: Pick<ConsensusDeps, "emission" | "staking" | "subnets">,
): Promise<void> {
  const grants: [string, string][] = [
    [deps.emission, "DISTRIBUTOR_ROLE"],
    [deps.staking, "REWARDER_ROLE"],
    [deps.subnets, "EPOCH_ROLE"],
  ];
  for (const [target, role] of grants) {
    await (await IAccessControl__factory.connect(target, admin).grantRole(id(role), consensus)).wait();
  }
}

/** A subnet's consensus parameters, as setParams takes them and paramsOf / defaultParams return them. */
export type ConsensusParams = Parameters<Consensus["setParams"]>[1];
export type ConsensusParamsOutput = Awaited<ReturnType<Consensus["defaultParams"]>>;

/** Parameters of the consensus contract a subnet may override (the rest keep their current values). */
export interface ConsensusOverrides {
  weightsRateLimit?: number;
  activityCutoff?: number;
  maxWeight?: number;
  kappa?: bigint;
  bondsMovingAverage?: bigint;
  versionKey?: bigint;
}

/** `base` (the contract's defaults or a subnet's current parameters) with `overrides`, as setParams takes it. */
export function consensusParams(base: ConsensusParamsOutput, overrides: ConsensusOverrides): ConsensusParams {
  return {
    configured: true,
    kappa: overrides.kappa ?? base.kappa,
    bondsMovingAverage: overrides.bondsMovingAverage ?? base.bondsMovingAverage,
    bondsPenalty: base.bondsPenalty,
    liquidAlpha: base.liquidAlpha,
    alphaLow: base.alphaLow,
    alphaHigh: base.alphaHigh,
    alphaSteepness: base.alphaSteepness,
    consensusMode: base.consensusMode,
    activityCutoff: overrides.activityCutoff ?? base.activityCutoff,
    weightsRateLimit: overrides.weightsRateLimit ?? base.weightsRateLimit,
    maxWeight: overrides.maxWeight ?? base.maxWeight,
    versionKey: overrides.versionKey ?? base.versionKey,
  };
}
