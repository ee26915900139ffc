/**
 * The validator's world on a test kit Hardhat node: every contract it touches (consensus included)
 * deployed with the project's deploy code, a text-generation subnet with prices and per-call limits
 * on both tiers, and helpers to stake, register and publish the test's keys as neurons.
 */
import type { Wallet } from "ethers";
import type { Billing, Consensus, NoosToken, Staking, SubnetRegistry } from "@noosphere/contracts";
import { consensusParams, createSubnet, registerNeuron, subnetParams } from "@noosphere/deploy";
import type { ConsensusOverrides, SubnetParams } from "@noosphere/deploy";
import { deployTestContracts, devAccount } from "@noosphere/testkit";
import type { HardhatNode } from "@noosphere/testkit";

export const E18 = 10n ** 18n;

export interface TestNetwork {
  token: NoosToken;
  staking: Staking;
  subnets: SubnetRegistry;
  consensus: Consensus;
  billing: Billing;
  addresses: {
    token: string;
    emission: string;
    staking: string;
    subnets: string;
    consensus: string;
    billing: string;
    models: string;
  };
  netuid: number;
  deployer: Wallet;
}

/** Per-call limits the test subnet's billing sets on both tiers. */
export const TEST_LIMITS = { maxInputTokens: 200, maxOutputTokens: 1000 };

/**
 * Deploys token, emission, staking, the subnet registry, consensus (with its roles), the model
 * registry and billing, and creates a subnet of `taskId` (zero burn floor, no minimum validator
 * stake) with a price and per-call limits on both tiers.
 */
export async function deployTestNetwork(
  chain: HardhatNode,
  params: Partial<SubnetParams> & { taskId: string },
): Promise<TestNetwork> {
  const deployer = devAccount(0, chain.provider);
  const admin = deployer.address;
  const c = await deployTestContracts(deployer, { emission: true, billing: true, consensus: true });
  const { token, staking, subnets, consensus, billing } = c;
  const { timelock: _timelock, governor: _governor, ...addresses } = c.deployment.contracts;
  await (await token.mint(admin, 10_000n * E18)).wait();
  const netuid = await createSubnet(subnets, deployer, subnetParams({ minBurn: 0n, ...params }));
  await (await billing.setRate(250_000n)).wait();
  for (const tier of [0, 1]) {
    await (await billing.setPrice(netuid, tier, 1_000n)).wait();
    await (await billing.setLimits(netuid, tier, TEST_LIMITS.maxInputTokens, TEST_LIMITS.maxOutputTokens)).wait();
  }
  return { token, staking, subnets, consensus, billing, netuid, deployer, addresses };
}

/** Registers `hotkey` in Staking (owned by the deployer) and delegates `amount` NOOS to it. */
export async function stakeOn(network: TestNetwork, hotkey: Wallet, amount: bigint): Promise<void> {
  await (await network.staking.connect(hotkey).registerHotkey(network.deployer.address)).wait();
  await (await network.token.connect(network.deployer).approve(network.addresses.staking, amount)).wait();
  await (await network.staking.connect(network.deployer).delegate(hotkey.address, amount, 0n)).wait();
}

/** Registers `hotkey` (a funded dev account) on the subnet; it calls register itself (burn floor 0). */
export async function registerHotkey(network: TestNetwork, hotkey: Wallet): Promise<number> {
  return registerNeuron(network.subnets, hotkey, network.netuid, hotkey.address);
}

/** Publishes `hotkey`'s axon (it must be registered). */
export async function serveAxon(
  network: TestNetwork,
  hotkey: Wallet,
  host: string,
  port: number,
  modelHash = "0x" + "00".repeat(32),
): Promise<void> {
  await (await network.subnets.connect(hotkey).serveAxon(network.netuid, host, port, "http", modelHash)).wait();
}

/** Sets the subnet's consensus parameters: the contract's defaults with `overrides`. */
export async function configureConsensus(network: TestNetwork, overrides: ConsensusOverrides): Promise<void> {
  const params = consensusParams(await network.consensus.defaultParams(), overrides);
  await (await network.consensus.connect(network.deployer).setParams(network.netuid, params)).wait();
}
