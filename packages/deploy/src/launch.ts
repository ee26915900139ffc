import type { Provider, Signer } from "ethers";
import { DeploymentNotFoundError, loadDeployment, saveDeployment } from "@noosphere/contracts";
import type { Deployment } from "@noosphere/contracts";
import { deployNoosphere, governanceFor, handOverToTimelock, toDeployment } from "./deploy-all";
import type { GovernanceSettings, Log } from "./deploy-all";
import { applyGenesis } from "./genesis";
import type { Genesis } from "./genesis";

export interface LaunchOptions {
  deployer: Signer;
  genesis: Genesis;
  /** Default: the genesis's, else DEVNET_GOVERNANCE on a Hardhat chain and PRODUCTION_GOVERNANCE anywhere else. */
  governance?: GovernanceSettings;
  log?: Log;
}

export interface Launched {
  deployment: Deployment;
  /** The file the addresses were written to. */
  file: string;
  /** False when a live deployment was found and nothing was sent. */
  deployed: boolean;
}

/**
 * The recorded deployment of the provider's chain if every recorded contract has code there;
 * undefined when there is no record or it belongs to an earlier chain (e.g. a restarted devnet).
 */
export async function liveDeployment(provider: Provider): Promise<Deployment | undefined> {
  const chainId = Number((await provider.getNetwork()).chainId);
  let recorded: Deployment;
  try {
    recorded = loadDeployment(chainId);
  } catch (err) {
    if (err instanceof DeploymentNotFoundError) return undefined;
    throw err;
  }
  const codes = await Promise.all(Object.values(recorded.contracts).map((a) => provider.getCode(a)));
  return codes.every((code) => code !== "0x") ? recorded : undefined;
}

/**
 * Deploys every contract, applies the genesis, hands every admin and parameter role to the DAO
 * timelock and writes packages/contracts/deployments/<chainId>.json. Idempotent: if the recorded
 * deployment of this chain is live, sends nothing and returns it.
 */
export async function launchNoosphere(opts: LaunchOptions): Promise<Launched> {
  const log = opts.log ?? (() => {});
  const provider = opts.deployer.provider;
  if (!provider) throw new Error("the deployer must be connected to a provider");
  const existing = await liveDeployment(provider);
  if (existing) {
    log(
      `chain ${existing.chainId} already has a live Noosphere deployment (token ${existing.contracts.token}): nothing to do`,
    );
    return { deployment: existing, file: saveDeployment(existing), deployed: false };
  }
  const startBlock = await provider.getBlockNumber();
  const chainId = Number((await provider.getNetwork()).chainId);
  const governance = opts.governance ?? governanceFor(chainId, opts.genesis.governance);
  log(
    `governance: timelock ${governance.minDelay} s, vote after ${governance.votingDelay} blocks for ` +
      `${governance.votingPeriod} blocks, quorum ${governance.quorumPercent}%, proposal threshold ` +
      `${governance.proposalThreshold / 10n ** 18n} NOOS`,
  );
  const contracts = await deployNoosphere(opts.deployer, governance, log);
  await applyGenesis(contracts, opts.deployer, opts.genesis, log);
  await handOverToTimelock(contracts, opts.deployer, log);
  const deployment = await toDeployment(contracts, chainId, startBlock);
  const file = saveDeployment(deployment);
  log(`wrote ${file}`);
  return { deployment, file, deployed: true };
}
