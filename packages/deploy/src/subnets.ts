import type { AddressLike, BigNumberish, Signer } from "ethers";
import { IERC20__factory, SubnetRegistry__factory } from "@noosphere/contracts";
import type { ISubnets, SubnetRegistry } from "@noosphere/contracts";

/** Parameters of a subnet, as `createSubnet` and `setParams` take them. */
export type SubnetParams = ISubnets.SubnetParamsStruct;

export interface DeploySubnetRegistryOptions {
  /** The NOOS token (INoosToken): locked by createSubnet, burned by register. */
  token: AddressLike;
  /** Staking (IStaking): hotkey owners and stakes. */
  staking: AddressLike;
  /** Receives DEFAULT_ADMIN_ROLE and PARAMS_ROLE (the deployer during setup, then the DAO timelock). */
  admin: AddressLike;
  /** If set, the deployer sets this lock cost right after deployment (it must be `admin`). */
  lockCost?: BigNumberish;
}

/** Deploys the SubnetRegistry and waits for it. */
export async function deploySubnetRegistry(
  deployer: Signer,
  { token, staking, admin, lockCost }: DeploySubnetRegistryOptions,
): Promise<SubnetRegistry> {
  const registry = await new SubnetRegistry__factory(deployer).deploy(token, staking, admin);
  await registry.waitForDeployment();
  if (lockCost !== undefined) {
    await (await registry.setLockCost(lockCost)).wait();
  }
  return registry;
}

/**
 * Subnet parameters with defaults for everything but the task id:
 * tempo 360 blocks, 256 UIDs, 64 validators, 4,096 blocks of immunity, no minimum validator stake,
 * a 1 NOOS burn floor halving back over 360 blocks, models unrestricted.
 */
export function subnetParams(overrides: Partial<SubnetParams> & { taskId: string }): SubnetParams {
  return {
    tempo: 360,
    maxUids: 256,
    maxValidators: 64,
    immunityPeriod: 4096,
    minValidatorStake: 0n,
    minBurn: 10n ** 18n,
    burnHalfLife: 360,
    restrictModels: false,
    ...overrides,
  };
}

/** Approves the current lock cost from `owner` and creates a subnet owned by it; returns its netuid. */
export async function createSubnet(registry: SubnetRegistry, owner: Signer, params: SubnetParams): Promise<number> {
  const asOwner = registry.connect(owner);
  const cost = await asOwner.lockCost();
  if (cost > 0n) {
    const token = IERC20__factory.connect(await asOwner.token(), owner);
    await (await token.approve(await asOwner.getAddress(), cost)).wait();
  }
  const receipt = await (await asOwner.createSubnet(params)).wait();
  return Number(eventArg(registry, receipt?.logs ?? [], "SubnetCreated", "netuid"));
}

/**
 * Registers `hotkey` on `netuid` with `caller` (the hotkey or its owner) paying the burn: approves
 * the price quoted now (or `maxBurn`) and registers with it as the slippage guard; returns the UID.
 */
export async function registerNeuron(
  registry: SubnetRegistry,
  caller: Signer,
  netuid: number,
  hotkey: AddressLike,
  maxBurn?: bigint,
): Promise<number> {
  const asCaller = registry.connect(caller);
  const limit = maxBurn ?? (await asCaller.burnPrice(netuid));
  if (limit > 0n) {
    const token = IERC20__factory.connect(await asCaller.token(), caller);
    await (await token.approve(await asCaller.getAddress(), limit)).wait();
  }
  const receipt = await (await asCaller.register(netuid, hotkey, limit)).wait();
  return Number(eventArg(registry, receipt?.logs ?? [], "NeuronRegistered", "uid"));
}

function eventArg(
  registry: SubnetRegistry,
  logs: readonly { address: string; topics: readonly string[]; data: string }[],
  event: "SubnetCreated" | "NeuronRegistered",
  arg: string,
): unknown {
  const address = registry.target.toString().toLowerCase();
  for (const log of logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = registry.interface.parseLog({
      topics: [...log.topics],
      data: log.data,
    });
    if (parsed?.name === event) return parsed.args.getValue(arg);
  }
  throw new Error(`no ${event} event in the transaction's logs`);
}
