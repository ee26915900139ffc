import type { AddressLike, Signer } from "ethers";
import { NoosToken__factory } from "@noosphere/contracts";
import type { NoosToken } from "@noosphere/contracts";

export interface DeployTokenOptions {
  /** Receives DEFAULT_ADMIN_ROLE (grants MINTER_ROLE to Emission and Billing; the DAO timelock later). */
  admin: AddressLike;
}

/** Deploys the NOOS token (capped at 21M, permit, votes, burnable) and waits for it to be mined. */
export async function deployToken(deployer: Signer, { admin }: DeployTokenOptions): Promise<NoosToken> {
  const token = await new NoosToken__factory(deployer).deploy(admin);
  await token.waitForDeployment();
  return token;
}
