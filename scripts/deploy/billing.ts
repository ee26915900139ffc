import { ZeroAddress, id, type Signer } from "ethers";
import {
  Billing__factory,
  IAccessControl__factory,
  ModelRegistry__factory,
  type Billing,
} from "../../packages/contracts/generated/typechain";

/** keccak256("MINTER_ROLE"): the token role billing needs to mint payees' shares. */
export const MINTER_ROLE = id("MINTER_ROLE");

/** Options of {@link deployBilling}. */
export interface DeployBillingOptions {
  /** The NOOS token. */
  token: string;
  /** The model registry (royalties); omit or ZeroAddress to pay no royalties. */
  models?: string;
  /** Receiver of the treasury share of each mint (the DAO timelock). */
  treasury: string;
  /** DEFAULT_ADMIN_ROLE and PARAMS_ROLE holder; defaults to the deployer (hand them to the timelock later). */
  admin?: string;
  /** Escrow thaw period, seconds. Default 1 day. */
  thawPeriod?: number | bigint;
  /** Signer revocation delay, seconds. Default 1 day. */
  signerRevokeDelay?: number | bigint;
  /** Grant billing MINTER_ROLE on the token (the deployer must be the token's admin). Default true. */
  grantMinter?: boolean;
  /**
   * Make the model registry tell billing of royalty and owner changes (ModelRegistry.setRoyaltyCache; the
   * deployer must hold the registry's PARAMS_ROLE). Default true when `models` is given.
   */
  hookModels?: boolean;
}

export const BILLING_DEFAULTS = { thawPeriod: 86_400, signerRevokeDelay: 86_400 } as const;

/** Deploys Billing (escrow, vouchers, burn and mint) and, by default, grants it MINTER_ROLE on the token. */
export async function deployBilling(deployer: Signer, options: DeployBillingOptions): Promise<Billing> {
  const admin = options.admin ?? (await deployer.getAddress());
  const billing = await new Billing__factory(deployer).deploy(
    options.token,
    options.models ?? ZeroAddress,
    options.treasury,
    admin,
    options.thawPeriod ?? BILLING_DEFAULTS.thawPeriod,
    options.signerRevokeDelay ?? BILLING_DEFAULTS.signerRevokeDelay,
  );
  await billing.waitForDeployment();
  const billingAddress = await billing.getAddress();
  if (options.grantMinter ?? true) await grantMinter(deployer, options.token, billingAddress);
  if (options.models && options.models !== ZeroAddress && (options.hookModels ?? true)) {
    await (await ModelRegistry__factory.connect(options.models, deployer).setRoyaltyCache(billingAddress)).wait();
  }
  return billing;
}

/** Grants MINTER_ROLE on `token` to `minter`; `admin` must hold the token's DEFAULT_ADMIN_ROLE. */
export async function grantMinter(admin: Signer, token: string, minter: string): Promise<void> {
  const tx = await IAccessControl__factory.connect(token, admin).grantRole(MINTER_ROLE, minter);
  await tx.wait();
}
