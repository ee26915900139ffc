import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { ZeroAddress, formatEther } from "ethers";
import type { BaseWallet } from "ethers";
import type { FastifyInstance } from "fastify";
import {
  Billing__factory,
  NoosToken__factory,
  Staking__factory,
  SubnetRegistry__factory,
  loadDeployment,
} from "@noosphere/contracts";
import type { Billing, Deployment, NoosToken, Staking, SubnetRegistry } from "@noosphere/contracts";
import { Shutdown, connectRpc } from "@noosphere/node-kit";
import type { Logger } from "@noosphere/node-kit";
import { TIERS, voucherDomain, wireDomain } from "@noosphere/protocol";
import { buildMinerApp } from "./app";
import { ContractChainView, revertName } from "./billing/chain-view";
import type { ChainViewTtls } from "./billing/chain-view";
import { VoucherRedeemer } from "./billing/redeemer";
import { MinerStateStore } from "./billing/state-store";
import { VoucherBook } from "./billing/voucher-book";
import { createMinerMetrics } from "./metrics";
import { MinerSetupError } from "./setup-error";
import { DEFAULT_MODELS, loadTask } from "./tasks/load";
import type { Device } from "./tasks/load";
import type { TaskHandler } from "./tasks/task";

export interface MinerConfig {
  /** JSON-RPC URL of the chain. */
  rpc: string;
  netuid: number;
  /** `builtin:noos-tiny` (text-generation), `builtin:ppocr-v4` (ocr) or a path; default: the task's built-in. */
  model?: string;
  device: Device;
  /** Address to listen on; also published on-chain unless `advertiseHost` is set. */
  host: string;
  /** Port to listen on (0: any free port); the one actually bound is published. */
  port: number;
  /** Host name validators and gateways reach this miner at (default `host`; 127.0.0.1 for 0.0.0.0). */
  advertiseHost?: string;
  /** The miner's hotkey (signs responses, redeems vouchers, pays gas and the registration burn). */
  hotkey: BaseWallet;
  /** Coldkey recorded as the hotkey's owner in Staking on first start (default: the hotkey itself). */
  owner?: string;
  /** Most NOOS wei the subnet registration may burn (default: the price quoted at start). */
  maxBurn?: bigint;
  /** Seconds between voucher redemptions (default 300). */
  redeemIntervalSeconds?: number;
  /** Periodic redemptions skip clients owing less NOOS wei than this (default 1). */
  redeemMinAmount?: bigint;
  concurrency?: number;
  maxQueued?: number;
  /** Seconds a graceful shutdown may take before the process is forced out (default 30). */
  graceSeconds?: number;
  /** Contract addresses (default: packages/contracts deployments for the chain id). */
  deployment?: Deployment;
  chainViewTtls?: Partial<ChainViewTtls>;
  /**
   * File keeping answered vouchers and consumed nonces across restarts and crashes (default
   * ~/.noos/miner/<chainId>-<billing>-<hotkey>.jsonl). One per miner: never share it.
   */
  stateFile?: string;
  logger: Logger;
}

export interface RunningMiner {
  url: string;
  app: FastifyInstance;
  hotkey: string;
  uid: number;
  tier: number;
  task: Pick<TaskHandler, "taskId" | "modelName" | "modelHash" | "provider">;
  book: VoucherBook;
  chain: ContractChainView;
  redeemer: VoucherRedeemer;
  /** Runs the cleanups: stops taking requests, finishes those in flight, redeems, disconnects. */
  shutdown: Shutdown;
  stop(): Promise<void>;
}

interface Contracts {
  subnets: SubnetRegistry;
  billing: Billing;
  staking: Staking;
  token: NoosToken;
}

/**
 * Starts a miner: loads the model for the subnet's task on the chosen device, checks the model
 * against the subnet's allow-list, registers the hotkey (Staking, then the subnet) if needed,
 * listens, publishes its axon with the model hash, and redeems vouchers on an interval.
 * Tier: `standard` on CUDA, `batch` on the CPU.
 */
export async function startMiner(config: MinerConfig): Promise<RunningMiner> {
  const { logger, netuid } = config;
  // No ethers read cache: the miner caches what it needs, and each transaction must see the last nonce.
  const { provider, chainId } = await connectRpc(config.rpc, { cacheTimeout: -1 });
  const cleanupOnFailure: (() => Promise<void> | void)[] = [() => provider.destroy()];
  try {
    const deployment = config.deployment ?? loadDeployment(chainId);
    const hotkey = config.hotkey.connect(provider);
    const contracts = connectContracts(deployment, hotkey);
    const { subnets, billing } = contracts;

    if (!(await subnets.subnetExists(netuid))) {
      throw new MinerSetupError(
        `subnet ${netuid} does not exist on chain ${chainId} (${await subnets.subnetCount()} subnets)`,
      );
    }
    const params = await subnets.params(netuid);
    const model = config.model ?? DEFAULT_MODELS[params.taskId] ?? "";
    const task = await loadTask({
      taskId: params.taskId,
      model,
      device: config.device,
      logger,
      concurrency: config.concurrency,
    });
    const closeTask = () => task.close();
    cleanupOnFailure.push(closeTask);
    logger.info(
      { task: task.taskId, model: task.modelName, modelHash: task.modelHash, provider: task.provider },
      "model loaded",
    );

    if (!(await subnets.isModelAllowed(netuid, task.modelHash))) {
      throw new MinerSetupError(
        `model ${task.modelName} (sha256 ${task.modelHash}) is not on subnet ${netuid}'s allow-list: ` +
          `serve an allowed model, or ask the subnet's governance to allow this one`,
      );
    }
    const tier = task.provider === "cuda" ? TIERS.standard : TIERS.batch;
    const uid = await ensureRegistered(contracts, hotkey, config);
    await warnIfNotPriced(billing, netuid, tier, logger);

    const stateFile =
      config.stateFile ??
      path.join(os.homedir(), ".noos", "miner", `${chainId}-${deployment.contracts.billing}-${hotkey.address}.jsonl`);
    const { store, state } = MinerStateStore.open(stateFile);
    cleanupOnFailure.push(() => store.close());
    const book = new VoucherBook({ onAnswered: (held, earned) => store.answered(held, earned) });
    for (const { held, earned } of state.vouchers.values()) book.hold(held, earned);
    logger.info(
      {
        stateFile,
        vouchers: state.vouchers.size,
        nonces: state.nonces.size,
        unredeemed: book.totalOutstanding().toString(),
      },
      "miner state restored",
    );
    const metrics = createMinerMetrics();
    const chain = new ContractChainView({
      subnets,
      billing,
      netuid,
      tier,
      miner: hotkey.address,
      ttls: config.chainViewTtls,
    });
    const app = buildMinerApp({
      task,
      hotkey: config.hotkey,
      netuid,
      tier,
      wireDomain: wireDomain(chainId, deployment.contracts.subnets),
      voucherDomain: voucherDomain(chainId, deployment.contracts.billing),
      chain,
      book,
      concurrency: config.concurrency,
      maxQueued: config.maxQueued,
      nonceLog: store,
      logger,
      metrics,
    });
    cleanupOnFailure.splice(cleanupOnFailure.indexOf(closeTask), 1); // the app closes the model from now on
    cleanupOnFailure.push(() => app.close());
    await app.listen({ host: config.host, port: config.port });
    const port = (app.server.address() as AddressInfo).port;
    const advertised = config.advertiseHost ?? (isWildcard(config.host) ? "127.0.0.1" : config.host);
    await serveAxon(subnets, netuid, uid, advertised, port, task.modelHash, logger);

    const redeemer = new VoucherRedeemer({
      billing,
      book,
      chain,
      payout: async () => payoutAddress(contracts.staking, hotkey.address),
      logger,
      metrics,
      minAmount: config.redeemMinAmount,
    });
    redeemer.start((config.redeemIntervalSeconds ?? 300) * 1000);

    const shutdown = new Shutdown(logger, (config.graceSeconds ?? 30) * 1000);
    // Run last first: the HTTP server drains, then the final redemption, then the RPC goes.
    shutdown.add("rpc", () => provider.destroy());
    shutdown.add("state", () => store.close());
    shutdown.add("redeem", async () => {
      await redeemer.stop();
    });
    shutdown.add("http", async () => {
      await app.close();
    });
    const url = `http://${advertised}:${port}`;
    logger.info(
      { url, netuid, uid, hotkey: hotkey.address, tier, modelHash: task.modelHash, provider: task.provider },
      "miner serving",
    );
    return {
      url,
      app,
      hotkey: hotkey.address,
      uid,
      tier,
      task: { taskId: task.taskId, modelName: task.modelName, modelHash: task.modelHash, provider: task.provider },
      book,
      chain,
      redeemer,
      shutdown,
      stop: () => shutdown.run(),
    };
  } catch (err) {
    for (const fn of cleanupOnFailure.reverse()) await Promise.resolve(fn()).catch(() => undefined);
    throw explainSetupError(err, config.hotkey.address);
  }
}

function connectContracts(deployment: Deployment, hotkey: BaseWallet): Contracts {
  const c = deployment.contracts;
  return {
    subnets: SubnetRegistry__factory.connect(c.subnets, hotkey),
    billing: Billing__factory.connect(c.billing, hotkey),
    staking: Staking__factory.connect(c.staking, hotkey),
    token: NoosToken__factory.connect(c.token, hotkey),
  };
}

/** Registers the hotkey with Staking (owner: its coldkey) and on the subnet, if not yet; returns its UID. */
async function ensureRegistered(
  { subnets, staking, token }: Contracts,
  hotkey: BaseWallet,
  config: MinerConfig,
): Promise<number> {
  const { logger, netuid } = config;
  const owner = await staking.ownerOf(hotkey.address);
  if (owner === ZeroAddress) {
    const coldkey = config.owner ?? hotkey.address;
    const receipt = await (await staking.registerHotkey(coldkey)).wait();
    logger.info({ hotkey: hotkey.address, owner: coldkey, txHash: receipt?.hash }, "hotkey registered with staking");
  } else if (config.owner !== undefined && owner.toLowerCase() !== config.owner.toLowerCase()) {
    logger.warn(
      { hotkey: hotkey.address, owner, asked: config.owner },
      "hotkey already owned by another coldkey in staking",
    );
  }
  if (await subnets.isRegistered(netuid, hotkey.address)) return Number(await subnets.uidOf(netuid, hotkey.address));

  const price = await subnets.burnPrice(netuid);
  const maxBurn = config.maxBurn ?? price;
  if (price > maxBurn) {
    throw new MinerSetupError(
      `registering on subnet ${netuid} burns ${formatEther(price)} NOOS, over --max-burn ${formatEther(maxBurn)}`,
    );
  }
  const balance = await token.balanceOf(hotkey.address);
  if (balance < price) {
    throw new MinerSetupError(
      `registering hotkey ${hotkey.address} on subnet ${netuid} burns ${formatEther(price)} NOOS and it holds ${formatEther(balance)}: ` +
        `send NOOS to the hotkey, or register it with its owner (noos register)`,
    );
  }
  if (price > 0n) await (await token.approve(await subnets.getAddress(), price)).wait();
  const receipt = await (await subnets.register(netuid, hotkey.address, maxBurn)).wait();
  const uid = Number(await subnets.uidOf(netuid, hotkey.address));
  logger.info({ netuid, uid, burned: formatEther(price), txHash: receipt?.hash }, "registered on the subnet");
  return uid;
}

/** Publishes (host, port, http, model hash) unless the axon already says exactly that. */
async function serveAxon(
  subnets: SubnetRegistry,
  netuid: number,
  uid: number,
  host: string,
  port: number,
  modelHash: string,
  logger: Logger,
): Promise<void> {
  const axon = await subnets.axonOf(netuid, uid);
  if (
    axon.host === host &&
    Number(axon.port) === port &&
    axon.protocol === "http" &&
    axon.modelHash.toLowerCase() === modelHash.toLowerCase()
  ) {
    return;
  }
  const receipt = await (await subnets.serveAxon(netuid, host, port, "http", modelHash)).wait();
  logger.info({ netuid, uid, host, port, modelHash, txHash: receipt?.hash }, "axon published");
}

async function warnIfNotPriced(billing: Billing, netuid: number, tier: number, logger: Logger): Promise<void> {
  try {
    const price = await billing.priceInNoos(netuid, tier);
    logger.info({ netuid, tier, price: formatEther(price) }, "price per request (NOOS)");
  } catch (err) {
    const name = revertName(billing, err);
    if (name !== "BillingPriceNotSet" && name !== "BillingRateNotSet") throw err;
    logger.warn(
      { netuid, tier, reason: name },
      "no price for this subnet and tier: paying clients are refused until governance sets one",
    );
  }
}

/** The miner's share goes to the hotkey's owner (coldkey) in Staking, else to the hotkey. */
async function payoutAddress(staking: Staking, hotkey: string): Promise<string> {
  const owner = await staking.ownerOf(hotkey);
  return owner === ZeroAddress ? hotkey : owner;
}

function isWildcard(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "";
}

/** Turns the chain errors an operator can fix into MinerSetupErrors that say how. */
function explainSetupError(err: unknown, hotkey: string): unknown {
  if (err instanceof MinerSetupError) return err;
  const e = err as { code?: string; shortMessage?: string; message?: string };
  if (e.code === "INSUFFICIENT_FUNDS" || /insufficient funds|enough funds/i.test(e.message ?? "")) {
    return new MinerSetupError(`hotkey ${hotkey} has no ETH for gas: fund it and start again`);
  }
  return err;
}
