/**
 * The chain the CLI's end-to-end tests run `noos` against: token, emission, staking and the subnet
 * registry deployed on a test kit Hardhat node, short staking delays, and a deployment file for the
 * CLI. The deployer keeps MINTER_ROLE and REWARDER_ROLE to fund accounts and credit rewards.
 */
import { parseEther } from "ethers";
import type { JsonRpcSigner } from "ethers";
import type { Emission, NoosToken, Staking, SubnetRegistry } from "@noosphere/contracts";
import { configureStaking } from "@noosphere/deploy";
import { deployTestContracts, writeTestDeployment } from "@noosphere/testkit";
import type { HardhatNode } from "@noosphere/testkit";

export interface Deployed {
  token: NoosToken;
  emission: Emission;
  staking: Staking;
  subnets: SubnetRegistry;
  deployer: JsonRpcSigner;
  /** Folder holding the deployment file; point NOOS_DEPLOYMENTS_DIR at it. */
  deploymentsDir: string;
}

export interface DeployOptions {
  /** Tokens createSubnet locks (default 10 NOOS). */
  lockCost?: bigint;
  /** Staking cooldown in blocks (default 3). */
  unstakeCooldownBlocks?: number;
}

export async function deployCore(node: HardhatNode, opts: DeployOptions = {}): Promise<Deployed> {
  const deployer = await node.provider.getSigner(0);
  const { token, emission, staking, subnets, deployment } = await deployTestContracts(deployer, {
    emission: true,
    lockCost: opts.lockCost ?? parseEther("10"),
  });
  await configureStaking(staking, {
    unstakeCooldownBlocks: opts.unstakeCooldownBlocks ?? 3,
    takeRaiseInterval: 10,
    takeDelayBlocks: 2,
  });
  await (await staking.grantRole(await staking.REWARDER_ROLE(), await deployer.getAddress())).wait();
  return { token, emission, staking, subnets, deployer, deploymentsDir: writeTestDeployment(deployment) };
}
