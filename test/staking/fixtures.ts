import { ethers } from "hardhat";
import type { Signer } from "ethers";
import { expect } from "chai";
import { INoosToken__factory, type INoosToken, type Staking } from "@noosphere/contracts";
import { configureStaking, deployStaking, grantStakingRewarder, deployToken } from "@noosphere/deploy";

export const MAX_TAKE = 1_800n;
export const BPS = 10_000n;
export const VIRTUAL_SHARES = 1_000_000n;
export const VIRTUAL_ASSETS = 1n;
export const COOLDOWN = 100n;
export const TAKE_DELAY = 360n;
export const RAISE_INTERVAL = 1_000n;
export const MIN_DELEGATION = ethers.parseEther("0.1");
export const FUNDS = ethers.parseEther("1000000");

/** The staked token and how tests get some. The one place to switch to the real NoosToken. */
export interface TestTokenHandle {
  token: INoosToken;
  mint: (to: string, amount: bigint) => Promise<void>;
}

/** Deploys the NOOS token; the deployer holds MINTER_ROLE to fund test accounts. */
export async function deployTestToken(deployer: Signer): Promise<TestTokenHandle> {
  // The real NOOS token, deployed as users deploy it; the deployer mints test funds as a minter.
  const real = await deployToken(deployer, { admin: await deployer.getAddress() });
  await (await real.grantRole(await real.MINTER_ROLE(), await deployer.getAddress())).wait();
  const token = INoosToken__factory.connect(await real.getAddress(), deployer);
  return {
    token,
    mint: async (to, amount) => {
      await (await token.mint(to, amount)).wait();
    },
  };
}

/** Shares minted for `assets` (SharePoolMath.toShares). */
export function toShares(assets: bigint, pooled: bigint, shares: bigint): bigint {
  return (assets * (shares + VIRTUAL_SHARES)) / (pooled + VIRTUAL_ASSETS);
}

/** Assets paid for `shares` (SharePoolMath.toAssets). */
export function toAssets(shares: bigint, pooled: bigint, totalShares: bigint): bigint {
  return (shares * (pooled + VIRTUAL_ASSETS)) / (totalShares + VIRTUAL_SHARES);
}

/** Staking with two registered hotkeys (A owned by ownerA, B by ownerB), a rewarder, funded delegators. */
export async function stakingFixture() {
  const [admin, rewarder, hotkeyA, ownerA, hotkeyB, ownerB, alice, bob, carol, other] = await ethers.getSigners();
  if (!admin || !rewarder || !hotkeyA || !ownerA || !hotkeyB || !ownerB || !alice || !bob || !carol || !other) {
    throw new Error("not enough signers");
  }
  const { token, mint } = await deployTestToken(admin);
  const staking = await deployStaking(admin, { token: await token.getAddress(), admin: admin.address });
  await configureStaking(staking, {
    unstakeCooldownBlocks: COOLDOWN,
    takeDelayBlocks: TAKE_DELAY,
    takeRaiseInterval: RAISE_INTERVAL,
  });
  await grantStakingRewarder(staking, rewarder.address);
  await (await staking.connect(hotkeyA).registerHotkey(ownerA.address)).wait();
  await (await staking.connect(hotkeyB).registerHotkey(ownerB.address)).wait();
  const stakingAddress = await staking.getAddress();
  for (const s of [rewarder, ownerA, ownerB, alice, bob, carol, other]) {
    await mint(s.address, FUNDS);
    await (await token.connect(s).approve(stakingAddress, ethers.MaxUint256)).wait();
  }
  return { staking, token, mint, admin, rewarder, hotkeyA, ownerA, hotkeyB, ownerB, alice, bob, carol, other };
}

/** The accounting invariant: every token held is pooled, claimable or thawing. */
export async function expectBalanced(staking: Staking, token: INoosToken): Promise<void> {
  const [pooled, claimable, thawing] = await staking.totals();
  expect(await token.balanceOf(await staking.getAddress())).to.equal(pooled + claimable + thawing);
}
