/**
 * The real stack for the consensus tests: NoosToken, Emission, Staking, SubnetRegistry and Consensus
 * deployed with the project's deploy helpers, the roles granted, and helpers to add neurons (a funded
 * hotkey wallet, registered in Staking and on the subnet, with delegated stake) and to commit/reveal.
 */
import hre from "hardhat";
import { setBalance } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet, type HDNodeWallet, type Signer } from "ethers";
import {
  deployToken,
  deployEmission,
  deployStaking,
  createSubnet,
  deploySubnetRegistry,
  registerNeuron,
  subnetParams,
  deployConsensus,
  deployConsensusHarness,
  deployConsensusLibraries,
  grantConsensusRoles,
} from "@noosphere/deploy";
import type {
  Consensus,
  ConsensusTestHarness,
  Emission,
  NoosToken,
  Staking,
  SubnetRegistry,
} from "@noosphere/contracts";

export const ONE = 10n ** 18n;

export interface Stack {
  admin: Signer;
  owner: Signer;
  other: Signer;
  token: NoosToken;
  emission: Emission;
  staking: Staking;
  subnets: SubnetRegistry;
  consensus: Consensus;
  harness: ConsensusTestHarness;
}

/** Deploys the real contracts and a Consensus (plus a harness sharing the libraries), roles granted. */
export async function deployStack(): Promise<Stack> {
  const [admin, owner, other] = await hre.ethers.getSigners();
  if (!admin || !owner || !other) throw new Error("hardhat needs three accounts");
  const adminAddress = await admin.getAddress();
  const token = await deployToken(admin, { admin: adminAddress });
  const emission = await deployEmission(admin, {
    token,
    admin: adminAddress,
    treasury: adminAddress,
  });
  const minter = await token.MINTER_ROLE();
  await (await token.grantRole(minter, await emission.getAddress())).wait();
  await (await token.grantRole(minter, adminAddress)).wait(); // test funding only
  const staking = await deployStaking(admin, { token, admin: adminAddress });
  const subnets = await deploySubnetRegistry(admin, {
    token,
    staking,
    admin: adminAddress,
  });
  const deps = {
    token: await token.getAddress(),
    emission: await emission.getAddress(),
    staking: await staking.getAddress(),
    subnets: await subnets.getAddress(),
    admin: adminAddress,
  };
  const libraries = await deployConsensusLibraries(admin);
  const consensus = await deployConsensus(admin, deps, libraries);
  await grantConsensusRoles(admin, await consensus.getAddress(), deps);
  const harness = await deployConsensusHarness(admin, deps, libraries);
  await grantConsensusRoles(admin, await harness.getAddress(), deps);
  await (await emission.grantRole(await emission.PARAMS_ROLE(), adminAddress)).wait();
  return {
    admin,
    owner,
    other,
    token,
    emission,
    staking,
    subnets,
    consensus,
    harness,
  };
}

/** Creates a subnet owned by `s.owner` (no burn, 100% of the emission) and returns its netuid. */
export async function createTestSubnet(
  s: Stack,
  opts: {
    tempo?: number;
    maxValidators?: number;
    minValidatorStake?: bigint;
    share?: number;
  } = {},
): Promise<number> {
  const netuid = await createSubnet(
    s.subnets,
    s.owner,
    subnetParams({
      taskId: "text-generation",
      tempo: opts.tempo ?? 20,
      maxValidators: opts.maxValidators ?? 64,
      minValidatorStake: opts.minValidatorStake ?? 0n,
      minBurn: 0n,
      immunityPeriod: 1_000_000,
    }),
  );
  await (await s.emission.setEmissionShare(netuid, opts.share ?? 10_000)).wait();
  return netuid;
}

export interface Neuron {
  wallet: HDNodeWallet;
  address: string;
  uid: number;
}

/** A funded hotkey wallet registered in Staking (owned by admin) and on `netuid`, with `stake` delegated. */
export async function addNeuron(s: Stack, netuid: number, stake: bigint): Promise<Neuron> {
  const wallet = Wallet.createRandom().connect(hre.ethers.provider);
  await setBalance(wallet.address, 10n ** 20n);
  await (await s.staking.connect(wallet).registerHotkey(await s.admin.getAddress())).wait();
  const uid = await registerNeuron(s.subnets, wallet, netuid, wallet.address, 0n);
  if (stake > 0n) await delegate(s, wallet.address, stake);
  return { wallet, address: wallet.address, uid };
}

/** Admin mints `amount` and delegates it to `hotkey`. */
export async function delegate(s: Stack, hotkey: string, amount: bigint): Promise<void> {
  const adminAddress = await s.admin.getAddress();
  await (await s.token.mint(adminAddress, amount)).wait();
  await (await s.token.approve(await s.staking.getAddress(), amount)).wait();
  await (await s.staking.delegate(hotkey, amount, 0n)).wait();
}

/** keccak256(abi.encode(netuid, hotkey, uids, weights, salt, versionKey)): what commitWeights takes. */
export function commitHash(
  netuid: number,
  hotkey: string,
  uids: number[],
  weights: number[],
  salt: string,
  versionKey = 0n,
): string {
  return hre.ethers.keccak256(
    hre.ethers.AbiCoder.defaultAbiCoder().encode(
      ["uint16", "address", "uint16[]", "uint16[]", "bytes32", "uint64"],
      [netuid, hotkey, uids, weights, salt, versionKey],
    ),
  );
}

/** Runs `netuid`'s epoch on `consensus` to its end (mining to the due block first if needed). */
export async function runFullEpoch(consensus: Consensus | ConsensusTestHarness, netuid: number): Promise<void> {
  for (let i = 0; i < 64; i++) {
    await (await consensus.runEpoch(netuid, { gasLimit: 16_000_000 })).wait();
    if ((await consensus.epochStatus(netuid)).stage === 0n) return;
  }
  throw new Error("epoch did not finish");
}

/** Mines until `netuid`'s next epoch is due. */
export async function mineToDue(s: Stack, consensus: Consensus | ConsensusTestHarness, netuid: number): Promise<void> {
  const [number, startBlock] = await consensus.epochStatus(netuid);
  if (number === 0n) return;
  const due = Number(startBlock) + Number((await s.subnets.params(netuid)).tempo);
  const now = await hre.ethers.provider.getBlockNumber();
  if (due > now + 1) await hre.network.provider.send("hardhat_mine", ["0x" + (due - now - 1).toString(16)]);
}

/** The on-chain parameter struct as a plain object (a call result cannot be spread). */
export function paramsObject(p: {
  configured: boolean;
  kappa: bigint;
  bondsMovingAverage: bigint;
  bondsPenalty: bigint;
  liquidAlpha: boolean;
  alphaLow: bigint;
  alphaHigh: bigint;
  alphaSteepness: bigint;
  consensusMode: bigint;
  activityCutoff: bigint;
  weightsRateLimit: bigint;
  maxWeight: bigint;
  versionKey: bigint;
}) {
  return {
    configured: p.configured,
    kappa: p.kappa,
    bondsMovingAverage: p.bondsMovingAverage,
    bondsPenalty: p.bondsPenalty,
    liquidAlpha: p.liquidAlpha,
    alphaLow: p.alphaLow,
    alphaHigh: p.alphaHigh,
    alphaSteepness: p.alphaSteepness,
    consensusMode: p.consensusMode,
    activityCutoff: p.activityCutoff,
    weightsRateLimit: p.weightsRateLimit,
    maxWeight: p.maxWeight,
    versionKey: p.versionKey,
  };
}
