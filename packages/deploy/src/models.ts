import { ZeroAddress, resolveAddress, type AddressLike, type Signer } from "ethers";
import { ModelRegistry__factory, type ModelRegistry } from "@noosphere/contracts";

/** Options of {@link deployModelRegistry}. */
export interface DeployModelRegistryOptions {
  /** DEFAULT_ADMIN_ROLE and PARAMS_ROLE holder; defaults to the deployer (hand them to the timelock later). */
  admin?: AddressLike;
  /** Governance cap on model royalties, basis points (<= 5,000). Default 1,500 (15% of billing's mint). */
  maxRoyaltyBps?: number;
  /** Token contest bonds are paid in (NOOS); none: contests are disabled. */
  bondToken?: AddressLike;
  /** NOOS (1e18 units) a contest locks. Default 0. */
  contestBond?: bigint;
  /** Seconds a new registration's royalties stay frozen. Default 0 (tests; deployments name their own). */
  challengePeriod?: bigint;
}

export const MODEL_REGISTRY_DEFAULTS = { maxRoyaltyBps: 1_500 } as const;

/** Deploys the model registry (ONNX models by sha256, with owners and royalties). */
export async function deployModelRegistry(
  deployer: Signer,
  options: DeployModelRegistryOptions = {},
): Promise<ModelRegistry> {
  const registry = await new ModelRegistry__factory(deployer).deploy(
    await resolveAddress(options.admin ?? (await deployer.getAddress())),
    options.maxRoyaltyBps ?? MODEL_REGISTRY_DEFAULTS.maxRoyaltyBps,
    options.bondToken ? await resolveAddress(options.bondToken) : ZeroAddress,
    options.contestBond ?? 0n,
    options.challengePeriod ?? 0n,
  );
  await registry.waitForDeployment();
  return registry;
}
