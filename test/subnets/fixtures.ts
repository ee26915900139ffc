import { ethers } from "hardhat";
import type { AddressLike, BaseContract, Signer } from "ethers";
import {
  SubnetsTestStaking__factory,
} from "../../packages/contracts/generated/typechain";
import type { SubnetRegistry } from "../../packages/contracts/generated/typechain";
import { deployToken } from "../../scripts/deploy/token";
import {
  createSubnet,
  deploySubnetRegistry,
  subnetParams,
} from "../../scripts/deploy/subnets";
import type { SubnetParams } from "../../scripts/deploy/subnets";

export const E18 = 10n ** 18n;
export const LOCK_COST = 100n * E18;
export const MAX_UINT256 = 2n ** 256n - 1n;

/** What the registry's tests need of a token: its address and a way to fund accounts. */
export interface TokenForSubnets {
  token: BaseContract & {
    balanceOf(a: AddressLike): Promise<bigint>;
    totalSupply(): Promise<bigint>;
  };
  connectApprove(
    owner: Signer,
    spender: AddressLike,
    amount: bigint,
  ): Promise<void>;
  mint(to: AddressLike, amount: bigint): Promise<void>;
}

/** What the registry's tests need of staking: set hotkey owners and stakes. */
export interface StakingForSubnets {
  staking: { getAddress(): Promise<string> };
  setOwners(hotkeys: AddressLike[], owner: AddressLike): Promise<void>;
  setStakes(hotkeys: AddressLike[], stakes: bigint[]): Promise<void>;
}

/** The token under the registry: the real NOOS token; the deployer mints test funds as a minter. */
export async function deployTokenForSubnets(
  deployer: Signer,
): Promise<TokenForSubnets> {
  const token = await deployToken(deployer, { admin: await deployer.getAddress() });
  await (await token.grantRole(await token.MINTER_ROLE(), await deployer.getAddress())).wait();
  return {
    token,
    connectApprove: async (owner, spender, amount) => {
      await (await token.connect(owner).approve(spender, amount)).wait();
    },
    mint: async (to, amount) => {
      await (await token.mint(to, amount)).wait();
    },
  };
}

/**
 * The staking contract the registry reads. Test-only stand-in (SubnetsTestStaking: open
 * setters for ownerOf and stakeOf); switch to the real Staking here.
 */
export async function deployStakingForSubnets(
  deployer: Signer,
): Promise<StakingForSubnets> {
  const staking = await new SubnetsTestStaking__factory(deployer).deploy();
  await staking.waitForDeployment();
  return {
    staking,
    setOwners: async (hotkeys, owner) => {
      await (await staking.setOwners(hotkeys, owner)).wait();
    },
    setStakes: async (hotkeys, stakes) => {
      await (await staking.setStakes(hotkeys, stakes)).wait();
    },
  };
}

/** A registry with a lock cost, funded accounts that approved it, and an EPOCH_ROLE holder. */
export async function registryFixture() {
  const [admin, creator, alice, bob, carol, coldkey, epoch, outsider] =
    await ethers.getSigners();
  if (
    !admin ||
    !creator ||
    !alice ||
    !bob ||
    !carol ||
    !coldkey ||
    !epoch ||
    !outsider
  ) {
    throw new Error("not enough signers");
  }
  const tok = await deployTokenForSubnets(admin);
  const stk = await deployStakingForSubnets(admin);
  const registry = await deploySubnetRegistry(admin, {
    token: await tok.token.getAddress(),
    staking: await stk.staking.getAddress(),
    admin: admin.address,
    lockCost: LOCK_COST,
  });
  const registryAddress = await registry.getAddress();
  for (const account of [creator, alice, bob, carol, coldkey]) {
    await tok.mint(account.address, 1_000_000n * E18);
    await tok.connectApprove(account, registryAddress, MAX_UINT256);
  }
  await (
    await registry.grantRole(await registry.EPOCH_ROLE(), epoch.address)
  ).wait();
  return {
    registry,
    registryAddress,
    tok,
    stk,
    admin,
    creator,
    alice,
    bob,
    carol,
    coldkey,
    epoch,
    outsider,
  };
}

/** Small-subnet parameters used across the tests (4 UIDs, 2 validators, 10 blocks of immunity). */
export function smallParams(
  overrides: Partial<SubnetParams> = {},
): SubnetParams {
  return subnetParams({
    taskId: "text-generation",
    tempo: 10,
    maxUids: 4,
    maxValidators: 2,
    immunityPeriod: 10,
    minValidatorStake: 0n,
    minBurn: E18,
    burnHalfLife: 100,
    restrictModels: false,
    ...overrides,
  });
}

/** registryFixture plus subnet 1 (smallParams) created by `creator`. */
export async function subnetFixture() {
  const base = await registryFixture();
  const netuid = await createSubnet(base.registry, base.creator, smallParams());
  return { ...base, netuid };
}

/** Reference of RegistrationPrice.decay (whole halvings, then linear inside the half-life). */
export function decayRef(
  price: bigint,
  elapsed: bigint,
  halfLife: bigint,
): bigint {
  const halvings = elapsed / halfLife;
  if (halvings >= 256n) return 0n;
  const p = price >> halvings;
  const rest = elapsed % halfLife;
  if (rest === 0n || p === 0n) return p;
  return p - ((p - (p >> 1n)) * rest) / halfLife;
}

/** Reference of the registration price at `block`, from the registry's stored burn state. */
export async function priceAt(
  registry: SubnetRegistry,
  netuid: number,
  block: bigint,
): Promise<bigint> {
  const [lastPrice, lastBlock] = await registry.burnState(netuid);
  const p = await registry.params(netuid);
  const decayed = decayRef(lastPrice, block - lastBlock, p.burnHalfLife);
  return decayed > p.minBurn ? decayed : p.minBurn;
}

/** Random hotkey addresses (no keys needed: their owner registers them). */
export function hotkeys(n: number, seed = 1): string[] {
  return Array.from({ length: n }, (_, i) =>
    ethers.getAddress(
      ethers.zeroPadValue(
        ethers.toBeHex(BigInt(seed) * 1_000_000n + BigInt(i) + 1n),
        20,
      ),
    ),
  );
}
