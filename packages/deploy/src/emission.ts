import type { AddressLike, Signer } from "ethers";
import { Emission__factory } from "@noosphere/contracts";
import type { Emission } from "@noosphere/contracts";

export interface DeployEmissionOptions {
  /** The NOOS token; the deployer must then grant Emission its MINTER_ROLE. */
  token: AddressLike;
  /** Receives DEFAULT_ADMIN_ROLE (grants PARAMS_ROLE and DISTRIBUTOR_ROLE). */
  admin: AddressLike;
  /** Receives the unallocated part of every block's emission. */
  treasury: AddressLike;
}

/** Deploys the Emission contract; emission starts at its deployment block. */
export async function deployEmission(
  deployer: Signer,
  { token, admin, treasury }: DeployEmissionOptions,
): Promise<Emission> {
  const emission = await new Emission__factory(deployer).deploy(token, admin, treasury);
  await emission.waitForDeployment();
  return emission;
}
