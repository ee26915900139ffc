import { ethers } from "hardhat";
import { setBalance } from "@nomicfoundation/hardhat-network-helpers";
import type { AddressLike, BaseContract, Signer } from "ethers";
import type { Staking, SubnetRegistry } from "@noosphere/contracts";
import {
  configureStaking,
  deployStaking,
  deployToken,
  createSubnet,
  deploySubnetRegistry,
  subnetParams,
} from "@noosphere/deploy";
import type { SubnetParams } from "@noosphere/deploy";

export const E18 = 10n ** 18n;
export const LOCK_COST = 100n * E18;
export const MAX_UINT256 = 2n ** 256n - 1n;

/** What the registry's tests need of a token: its address and a way to fund accounts. */
export interface TokenForSubnets {
  token: BaseContract & {
    balanceOf(a: AddressLike): Promise<bigint>;
    totalSupply(): Promise<bigint>;
  };
  connectApprove(owner: Signer, spender: AddressLike, amount: bigint): Promise<void>;
  mint(to: AddressLike, amount: bigint): Promise<void>;
}

/** What the registry's tests need of staking: set hotkey owners and stakes. */
export interface StakingForSubnets {
  staking: Staking;
  /** Registers each hotkey with Staking as owned by `owner` (already owned by `owner`: skipped). */
  setOwners(hotkeys: AddressLike[], owner: AddressLike): Promise<void>;
  /** Brings each registered hotkey's stake (Staking.stakeOf) to exactly `stakes[i]`. */
  setStakes(hotkeys: AddressLike[], stakes: bigint[]): Promise<void>;
}

/** The token under the registry: the real NOOS token; the deployer mints test funds as a minter. */
export async function deployTokenForSubnets(deployer: Signer): Promise<TokenForSubnets> {
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

/** Gas money for an impersonated account: 1 ETH. */
const GAS_MONEY = 10n ** 18n;

/** A signer for `address` whether or not Hardhat holds its key (impersonated, given gas money if it has none). */
async function signerFor(address: string): Promise<Signer> {
  const signer = await ethers.getImpersonatedSigner(address);
  if ((await ethers.provider.getBalance(address)) < GAS_MONEY) {
    await setBalance(address, GAS_MONEY);
  }
  return signer;
}

/**
 * The staking contract the registry reads: the real Staking (deployStaking), with minDelegation 0
 * so that any exact top-up or partial undelegation is allowed. Owners are set the way users set
 * them, by each hotkey calling registerHotkey (impersonated where Hardhat has no key for it).
 * Stakes come from one staker account of the adapter's own, funded by minting as needed.
 *
 * Exactness of setStakes: stakeOf is the pool's token count, which delegate(amount) raises by
 * exactly `amount` whatever the share price, so a raise is one delegation of the difference. A
 * cut undelegates `s = previewDelegate(d)` shares when the contract reports (previewUndelegate)
 * that they pay exactly the difference `d` (always so here: with no rewards a pool's share
 * price stays at 1e-6 token, so every conversion is exact); otherwise it undelegates the staker's
 * whole position and tops the remainder up to the target. Every hotkey's stakeOf is read back
 * and compared with its target, so a mismatch fails the test instead of skewing it.
 */
export async function deployStakingForSubnets(deployer: Signer, tok: TokenForSubnets): Promise<StakingForSubnets> {
  const staking = await deployStaking(deployer, {
    token: await tok.token.getAddress(),
    admin: await deployer.getAddress(),
  });
  await configureStaking(staking, { minDelegation: 0n });
  const stakingAddress = await staking.getAddress();
  const staker = await signerFor(
    ethers.getAddress(ethers.dataSlice(ethers.id("noosphere.test.subnets.staker"), 0, 20)),
  );
  const stakerAddress = await staker.getAddress();
  await tok.connectApprove(staker, stakingAddress, MAX_UINT256);
  const asStaker = staking.connect(staker);

  /** Lowers `hotkey`'s stake by `cut` (> 0): undelegates from the staker, as exactly as the pool allows. */
  const lower = async (hotkey: string, cut: bigint): Promise<void> => {
    const held = await staking.sharesOf(hotkey, stakerAddress);
    const shares = await staking.previewDelegate(hotkey, cut);
    if (shares !== 0n && shares <= held && (await staking.previewUndelegate(hotkey, shares)) === cut) {
      await (await asStaker.undelegate(hotkey, shares, cut)).wait();
    } else {
      if (held === 0n) {
        throw new Error(`hotkey ${hotkey}: its stake is not the test staker's to lower`);
      }
      await (await asStaker.undelegate(hotkey, held, 0n)).wait();
    }
  };

  return {
    staking,
    setOwners: async (hotkeys, owner) => {
      const ownerAddress = await ethers.resolveAddress(owner);
      for (const h of hotkeys) {
        const hotkey = await ethers.resolveAddress(h);
        const current = await staking.ownerOf(hotkey);
        if (current === ownerAddress) continue;
        if (current !== ethers.ZeroAddress) {
          throw new Error(`hotkey ${hotkey} is owned by ${current} in Staking; owners never change`);
        }
        const tx = await staking.connect(await signerFor(hotkey)).registerHotkey(ownerAddress);
        await tx.wait();
      }
    },
    setStakes: async (hotkeys, stakes) => {
      if (hotkeys.length !== stakes.length) throw new Error("hotkeys and stakes differ in length");
      const keys = await Promise.all(hotkeys.map((h) => ethers.resolveAddress(h)));
      const current = await Promise.all(keys.map((k) => staking.stakeOf(k)));
      // raises come from the staker's balance (undelegated tokens thaw in Staking); no top-up exceeds
      // its target, so the sum of the targets covers them all: mint the shortfall once
      const needed = stakes.reduce((sum, target) => sum + target, 0n);
      const balance = await tok.token.balanceOf(stakerAddress);
      if (needed > balance) await tok.mint(stakerAddress, needed - balance);
      for (const [i, key] of keys.entries()) {
        const target = stakes[i]!;
        let now = current[i]!;
        if (now > target) {
          await lower(key, now - target);
          now = await staking.stakeOf(key);
        }
        if (now < target) await (await asStaker.delegate(key, target - now, 0n)).wait();
      }
      const after = await Promise.all(keys.map((k) => staking.stakeOf(k)));
      for (const [i, key] of keys.entries()) {
        if (after[i] !== stakes[i]) {
          throw new Error(`hotkey ${key}: stakeOf is ${after[i]}, wanted ${stakes[i]}`);
        }
      }
    },
  };
}

/** A registry with a lock cost, funded accounts that approved it, and an EPOCH_ROLE holder. */
export async function registryFixture() {
  const [admin, creator, alice, bob, carol, coldkey, epoch, outsider] = await ethers.getSigners();
  if (!admin || !creator || !alice || !bob || !carol || !coldkey || !epoch || !outsider) {
    throw new Error("not enough signers");
  }
  const tok = await deployTokenForSubnets(admin);
  const stk = await deployStakingForSubnets(admin, tok);
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
  await (await registry.grantRole(await registry.EPOCH_ROLE(), epoch.address)).wait();
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
export function smallParams(overrides: Partial<SubnetParams> = {}): SubnetParams {
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
export function decayRef(price: bigint, elapsed: bigint, halfLife: bigint): bigint {
  const halvings = elapsed / halfLife;
  if (halvings >= 256n) return 0n;
  const p = price >> halvings;
  const rest = elapsed % halfLife;
  if (rest === 0n || p === 0n) return p;
  return p - ((p - (p >> 1n)) * rest) / halfLife;
}

/** Reference of the registration price at `block`, from the registry's stored burn state. */
export async function priceAt(registry: SubnetRegistry, netuid: number, block: bigint): Promise<bigint> {
  const [lastPrice, lastBlock] = await registry.burnState(netuid);
  const p = await registry.params(netuid);
  const decayed = decayRef(lastPrice, block - lastBlock, p.burnHalfLife);
  return decayed > p.minBurn ? decayed : p.minBurn;
}

/** Fixed hotkey addresses with no keys (the staking adapter impersonates them to register with Staking). */
export function hotkeys(n: number, seed = 1): string[] {
  return Array.from({ length: n }, (_, i) =>
    ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(BigInt(seed) * 1_000_000n + BigInt(i) + 1n), 20)),
  );
}
