/**
 * Test world for the consensus contract: token, emission, staking and registry (test doubles until
 * the real contracts land on this branch), the consensus harness, and helpers to build subnets.
 * Used by the consensus tests and the gas bench.
 */
import hre from "hardhat";
import type { Signer } from "ethers";
import {
  deployConsensusHarness,
  deployConsensusLibraries,
  grantConsensusRoles,
  type ConsensusLibraries,
} from "@noosphere/deploy";
import type {
  ConsensusTestEmission,
  ConsensusTestHarness,
  ConsensusTestStaking,
  ConsensusTestSubnets,
  ConsensusTestToken,
} from "@noosphere/contracts";

export interface World {
  admin: Signer;
  owner: Signer;
  token: ConsensusTestToken;
  emission: ConsensusTestEmission;
  staking: ConsensusTestStaking;
  subnets: ConsensusTestSubnets;
  consensus: ConsensusTestHarness;
  libraries: ConsensusLibraries;
}

/** Deploys every contract the consensus needs and grants its roles. */
export async function deployWorld(): Promise<World> {
  const [admin, owner] = await hre.ethers.getSigners();
  if (!admin || !owner) throw new Error("hardhat needs at least two accounts");
  const token = (await hre.ethers.deployContract("ConsensusTestToken", [], admin)) as unknown as ConsensusTestToken;
  const tokenAddress = await token.getAddress();
  const adminAddress = await admin.getAddress();
  const emission = (await hre.ethers.deployContract(
    "ConsensusTestEmission",
    [tokenAddress, adminAddress],
    admin,
  )) as unknown as ConsensusTestEmission;
  const staking = (await hre.ethers.deployContract(
    "ConsensusTestStaking",
    [tokenAddress, adminAddress],
    admin,
  )) as unknown as ConsensusTestStaking;
  const subnets = (await hre.ethers.deployContract(
    "ConsensusTestSubnets",
    [adminAddress],
    admin,
  )) as unknown as ConsensusTestSubnets;
  const deps = {
    token: tokenAddress,
    emission: await emission.getAddress(),
    staking: await staking.getAddress(),
    subnets: await subnets.getAddress(),
    admin: adminAddress,
  };
  const libraries = await deployConsensusLibraries(admin);
  const consensus = await deployConsensusHarness(admin, deps, libraries);
  await grantConsensusRoles(admin, await consensus.getAddress(), deps);
  return {
    admin,
    owner,
    token,
    emission,
    staking,
    subnets,
    consensus,
    libraries,
  };
}

/** Deterministic hotkey address number `i` of subnet `netuid` (no key: for UIDs that never sign). */
export function hotkeyAddress(netuid: number, i: number): string {
  return hre.ethers.getAddress("0x" + (BigInt(netuid) * 0x10000n + BigInt(i) + 0x1000n).toString(16).padStart(40, "0"));
}

export interface SubnetSpec {
  netuid: number;
  neurons: number;
  tempo?: number;
  maxValidators?: number;
  minStake?: bigint;
}

/** Creates a subnet owned by `w.owner` with `neurons` registered hotkeys; returns them by UID. */
export async function createSubnet(w: World, spec: SubnetSpec): Promise<string[]> {
  await (
    await w.subnets.setSubnet(
      spec.netuid,
      await w.owner.getAddress(),
      spec.tempo ?? 10,
      256,
      spec.maxValidators ?? 64,
      spec.minStake ?? 0n,
    )
  ).wait();
  const hotkeys = [...Array(spec.neurons).keys()].map((i) => hotkeyAddress(spec.netuid, i));
  for (let i = 0; i < hotkeys.length; i += 128) {
    await (await w.subnets.register(spec.netuid, hotkeys.slice(i, i + 128))).wait();
  }
  return hotkeys;
}

/** Sets stakes in the staking double. */
export async function setStakes(w: World, hotkeys: string[], stakes: bigint[]): Promise<void> {
  for (let i = 0; i < hotkeys.length; i += 128) {
    await (await w.staking.setStakes(hotkeys.slice(i, i + 128), stakes.slice(i, i + 128))).wait();
  }
}
