import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ZeroAddress } from "ethers";
import type { Signer } from "ethers";
import { saveDeployment } from "@noosphere/contracts";
import type {
  Billing,
  Consensus,
  Deployment,
  Emission,
  ModelRegistry,
  NoosToken,
  Staking,
  SubnetRegistry,
} from "@noosphere/contracts";
import {
  deployBilling,
  deployConsensus,
  deployEmission,
  deployModelRegistry,
  deployStaking,
  deploySubnetRegistry,
  deployToken,
  grantConsensusRoles,
  grantMinter,
} from "@noosphere/deploy";

/** What a test chain gets besides the token, Staking and the subnet registry. */
export interface TestContractsOptions {
  /** Emission (treasury: `treasury`), with MINTER_ROLE on the token. */
  emission?: boolean;
  /** The model registry and Billing (treasury: `treasury`), with MINTER_ROLE and the royalty hook. */
  billing?: boolean;
  /** Consensus with its epoch libraries and its roles on Emission, Staking and the registry (needs `emission`). */
  consensus?: boolean;
  /** Receives Emission's and Billing's treasury shares; default the deployer. */
  treasury?: string;
  /** Tokens createSubnet locks; default the registry's. */
  lockCost?: bigint;
}

interface CoreContracts {
  token: NoosToken;
  staking: Staking;
  subnets: SubnetRegistry;
  /** Every address; the zero address for a contract not deployed. */
  deployment: Deployment;
}

type Part<O, K extends keyof TestContractsOptions, T> = O extends Record<K, true> ? T : Record<never, never>;

/** The contracts `deployTestContracts(deployer, options)` deployed, typed by its options. */
export type TestContracts<O extends TestContractsOptions = TestContractsOptions> = CoreContracts &
  Part<O, "emission", { emission: Emission }> &
  Part<O, "billing", { models: ModelRegistry; billing: Billing }> &
  Part<O, "consensus", { consensus: Consensus }>;

/**
 * Deploys a test chain's contracts with the deploy code users run (@noosphere/deploy). The deployer
 * keeps every admin and parameter role and holds MINTER_ROLE on the token, to fund accounts.
 */
export async function deployTestContracts<const O extends TestContractsOptions>(
  deployer: Signer,
  options: O,
): Promise<TestContracts<O>> {
  const admin = await deployer.getAddress();
  const treasury = options.treasury ?? admin;
  const provider = deployer.provider;
  if (!provider) throw new Error("the deployer must be connected to a provider");
  const deployedAtBlock = await provider.getBlockNumber();

  const token = await deployToken(deployer, { admin });
  await grantMinter(deployer, token, admin);
  const emission = options.emission ? await deployEmission(deployer, { token, admin, treasury }) : undefined;
  if (emission) await grantMinter(deployer, token, emission);
  const staking = await deployStaking(deployer, { token, admin });
  const subnets = await deploySubnetRegistry(deployer, { token, staking, admin, lockCost: options.lockCost });
  const models = options.billing ? await deployModelRegistry(deployer) : undefined;
  const billing = models ? await deployBilling(deployer, { token, models, treasury }) : undefined;
  let consensus: Consensus | undefined;
  if (options.consensus) {
    if (!emission) throw new Error("consensus needs emission: pass { emission: true, consensus: true }");
    const deps = {
      token: await token.getAddress(),
      emission: await emission.getAddress(),
      staking: await staking.getAddress(),
      subnets: await subnets.getAddress(),
      admin,
    };
    consensus = await deployConsensus(deployer, deps);
    await grantConsensusRoles(deployer, await consensus.getAddress(), deps);
  }

  const address = async (c?: { getAddress(): Promise<string> }) => (c ? c.getAddress() : ZeroAddress);
  const deployment: Deployment = {
    chainId: Number((await provider.getNetwork()).chainId),
    deployedAtBlock,
    contracts: {
      token: await address(token),
      emission: await address(emission),
      staking: await address(staking),
      subnets: await address(subnets),
      consensus: await address(consensus),
      billing: await address(billing),
      models: await address(models),
      timelock: ZeroAddress,
      governor: ZeroAddress,
    },
  };
  return { token, staking, subnets, emission, models, billing, consensus, deployment } as unknown as TestContracts<O>;
}

/**
 * Writes `deployment` as the deployment file of its chain into a fresh temp folder and returns the
 * folder: point NOOS_DEPLOYMENTS_DIR at it (for the processes a test starts).
 */
export function writeTestDeployment(deployment: Deployment): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-deployments-"));
  const previous = process.env.NOOS_DEPLOYMENTS_DIR;
  process.env.NOOS_DEPLOYMENTS_DIR = dir;
  try {
    saveDeployment(deployment);
  } finally {
    if (previous === undefined) delete process.env.NOOS_DEPLOYMENTS_DIR;
    else process.env.NOOS_DEPLOYMENTS_DIR = previous;
  }
  return dir;
}
