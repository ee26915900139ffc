import type { AddressLike, BigNumberish, Signer } from "ethers";
import { Staking__factory } from "@noosphere/contracts";
import type { Staking } from "@noosphere/contracts";

export interface DeployStakingOptions {
  /** The NOOS token (INoosToken). */
  token: AddressLike;
  /** Receives DEFAULT_ADMIN_ROLE and PARAMS_ROLE (the deployer during setup, then the DAO timelock). */
  admin: AddressLike;
}

/** Governance parameters of Staking; unset fields keep their current value. */
export interface StakingParams {
  minDelegation?: BigNumberish;
  unstakeCooldownBlocks?: BigNumberish;
  takeRaiseInterval?: BigNumberish;
  takeDelayBlocks?: BigNumberish;
}

/** Deploys Staking and waits until it is mined. */
export async function deployStaking(deployer: Signer, { token, admin }: DeployStakingOptions): Promise<Staking> {
  const staking = await new Staking__factory(deployer).deploy(token, admin);
  await staking.waitForDeployment();
  return staking;
}

/** Sets the given parameters; `staking` must be connected to a PARAMS_ROLE holder. */
export async function configureStaking(staking: Staking, params: StakingParams): Promise<void> {
  if (params.minDelegation !== undefined) await (await staking.setMinDelegation(params.minDelegation)).wait();
  if (params.unstakeCooldownBlocks !== undefined) {
    await (await staking.setUnstakeCooldownBlocks(params.unstakeCooldownBlocks)).wait();
  }
  if (params.takeRaiseInterval !== undefined)
    await (await staking.setTakeRaiseInterval(params.takeRaiseInterval)).wait();
  if (params.takeDelayBlocks !== undefined) await (await staking.setTakeDelayBlocks(params.takeDelayBlocks)).wait();
}

/** Grants REWARDER_ROLE (distribute, credit) to `rewarder`, e.g. the epoch contract; needs DEFAULT_ADMIN_ROLE. */
export async function grantStakingRewarder(staking: Staking, rewarder: AddressLike): Promise<void> {
  await (await staking.grantRole(await staking.REWARDER_ROLE(), rewarder)).wait();
}
