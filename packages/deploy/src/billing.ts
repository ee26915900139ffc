import { ZeroAddress, id, resolveAddress, type AddressLike, type Signer } from "ethers";
import { Billing__factory, IAccessControl__factory, ModelRegistry__factory, type Billing } from "@noosphere/contracts";

/** keccak256("MINTER_ROLE"): the token role billing needs to mint payees' shares. */
export const MINTER_ROLE = id("MINTER_ROLE");

/** Options of {@link deployBilling}. */
export interface DeployBillingOptions {
  /** The NOOS token. */
  token: AddressLike;
  /** The model registry (royalties); omit or ZeroAddress to pay no royalties. */
  models?: AddressLike;
  /** Receiver of the treasury share of each mint (the DAO timelock). */
  treasury: AddressLike;
  /** DEFAULT_ADMIN_ROLE and PARAMS_ROLE holder; defaults to the deployer (hand them to the timelock later). */
  admin?: AddressLike;
  /**
   * Not used: Billing reads nothing from the subnet registry (the client's voucher names the model the
   * miner's axon declares). Accepted so that call sites passing every contract keep compiling.
   */
  subnets?: AddressLike;
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

/**
 * Deploys Billing (escrow, vouchers, burn and mint), by default grants it MINTER_ROLE on the token and
 * hooks it to the model registry.
 */
export async function deployBilling(deployer: Signer, options: DeployBillingOptions): Promise<Billing> {
  const token = await resolveAddress(options.token);
  const models = options.models === undefined ? ZeroAddress : await resolveAddress(options.models);
  const billing = await new Billing__factory(deployer).deploy(
    token,
    models,
    await resolveAddress(options.treasury),
    await resolveAddress(options.admin ?? (await deployer.getAddress())),
    options.thawPeriod ?? BILLING_DEFAULTS.thawPeriod,
    options.signerRevokeDelay ?? BILLING_DEFAULTS.signerRevokeDelay,
  );
  await billing.waitForDeployment();
  const billingAddress = await billing.getAddress();
  if (options.grantMinter ?? true) await grantMinter(deployer, token, billingAddress);
  if (models !== ZeroAddress && (options.hookModels ?? true)) {
    await (await ModelRegistry__factory.connect(models, deployer).setRoyaltyCache(billingAddress)).wait();
  }
  return billing;
}

/** Grants MINTER_ROLE on `token` to `minter`; `admin` must hold the token's DEFAULT_ADMIN_ROLE. */
export async function grantMinter(admin: Signer, token: AddressLike, minter: AddressLike): Promise<void> {
  const tx = await IAccessControl__factory.connect(await resolveAddress(token), admin).grantRole(
    MINTER_ROLE,
    await resolveAddress(minter),
  );
  await tx.wait();
}
