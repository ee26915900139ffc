import fs from "node:fs";
import path from "node:path";

/** Addresses of one Noosphere deployment, written by scripts/deploy.ts per chain id. */
export interface Deployment {
  chainId: number;
  deployedAtBlock: number;
  contracts: Record<ContractName, string>;
}

export type ContractName =
  "token" | "emission" | "staking" | "subnets" | "consensus" | "billing" | "models" | "timelock" | "governor";

/** Folder holding `<chainId>.json`; NOOS_DEPLOYMENTS_DIR overrides it (tests, other checkouts). */
export function deploymentsDir(): string {
  return process.env.NOOS_DEPLOYMENTS_DIR ?? path.join(__dirname, "..", "deployments");
}

export class DeploymentNotFoundError extends Error {
  constructor(
    readonly chainId: number,
    readonly file: string,
  ) {
    super(
      `No Noosphere deployment for chain ${chainId} (looked for ${file}). ` +
        `Deploy first: npx hardhat run scripts/deploy.ts --network <network>, or start the devnet: npm run devnet`,
    );
  }
}

export function loadDeployment(chainId: number): Deployment {
  const file = path.join(deploymentsDir(), `${chainId}.json`);
  if (!fs.existsSync(file)) throw new DeploymentNotFoundError(chainId, file);
  return JSON.parse(fs.readFileSync(file, "utf8")) as Deployment;
}

export function saveDeployment(deployment: Deployment): string {
  const dir = deploymentsDir();
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${deployment.chainId}.json`);
  fs.writeFileSync(file, JSON.stringify(deployment, null, 2) + "\n");
  return file;
}
