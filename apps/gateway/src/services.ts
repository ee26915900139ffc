import type { Signer } from "ethers";
import type { Redis } from "ioredis";
import { wireDomain } from "@noosphere/protocol";
import { silentLogger } from "@noosphere/node-kit";
import type { Logger } from "@noosphere/node-kit";
import { BillingAccount } from "./billing/account";
import { Allotter } from "./billing/allotter";
import type { AllotmentWriter } from "./billing/allotter";
import { VoucherLedger } from "./billing/ledger";
import type { GatewayChainView } from "./chain/chain-view";
import type { GatewayServices } from "./context";
import { Dispatcher } from "./dispatch";
import type { GatewayMetrics } from "./metrics";
import { createGatewayMetrics } from "./metrics";
import { MinerClient } from "./miner-client";
import { MinerDirectory } from "./routing/directory";
import { Router } from "./routing/router";
import type { RouterOptions } from "./routing/router";
import { Scoreboard } from "./routing/scoreboard";
import { ApiKeyStore } from "./store/api-keys";
import { Keyspace } from "./store/keyspace";
import { UsageStore } from "./store/usage";
import { TermsCache } from "./terms";
import type { TokenCounter } from "./tokens";

export const GATEWAY_TASKS = ["text-generation", "ocr"] as const;

export interface GatewayServiceOptions {
  redis: Redis;
  /** Key prefix (hash tag) shared by the gateways that serve together; default {noos:gw}. */
  keyspace?: Keyspace;
  chain: GatewayChainView;
  /** Signs requests and vouchers: the client's key, or a hot key the client authorised. */
  signer: Signer;
  /** The escrow account paying for requests; default the signer's address. */
  client?: string;
  logger?: Logger;
  metrics?: GatewayMetrics;
  /** Prompt token counting for the 413 check; without one, miners enforce input limits. */
  tokens?: TokenCounter;
  /** Requests per minute per API key without its own limit (0 = unlimited). Default 60. */
  defaultRpm?: number;
  /** Whole-answer timeout of a miner call, and idle timeout of a stream. Default 60 s. */
  minerTimeoutMs?: number;
  healthTimeoutMs?: number;
  /** Other miners tried after a failure. Default 1. */
  maxFailovers?: number;
  /** Largest OCR image in bytes. Default 4 MiB (the miners' limit). */
  maxImageBytes?: number;
  /** Escrow snapshots older than this are retaken in the background. Default 15 s. */
  snapshotMaxAgeMs?: number;
  /** How long prices and limits are cached. Default 30 s. */
  termsTtlMs?: number;
  router?: RouterOptions;
  /** Lets axons point at loopback and private addresses (a devnet); refused by default. */
  allowPrivateAxons?: boolean;
  /**
   * Keeps the miners' allotments of the client's escrow topped up with this transaction sender (the
   * gateway's key, with gas). Without it, allotments are the client's business (`noos billing allot`).
   */
  allot?: { write: AllotmentWriter; requestsPerMiner?: number; intervalMs?: number };
}

export interface GatewayRuntime extends GatewayServices {
  minerClient: MinerClient;
  scoreboard: Scoreboard;
  ledger: VoucherLedger;
  allotter?: Allotter;
  /** Stops discovery and the miner connections, and writes the usage counts still in memory. */
  close(): Promise<void>;
}

/** Builds the gateway's services from a Redis connection, a chain view and a key. */
export async function createGatewayServices(o: GatewayServiceOptions): Promise<GatewayRuntime> {
  const logger = o.logger ?? silentLogger();
  const keyspace = o.keyspace ?? new Keyspace();
  const metrics = o.metrics ?? createGatewayMetrics();
  const signerAddress = await o.signer.getAddress();
  const client = o.client ?? signerAddress;
  const minerClient = new MinerClient({ allowPrivateAxons: o.allowPrivateAxons });
  const scoreboard = new Scoreboard();
  const router = new Router(scoreboard, o.router);
  const ledger = new VoucherLedger(o.redis, keyspace, o.chain.chainId, o.chain.billingAddress, client);
  let allotter: Allotter | undefined;
  const account = new BillingAccount({
    chain: o.chain,
    ledger,
    signer: o.signer,
    signerAddress,
    client,
    snapshotMaxAgeMs: o.snapshotMaxAgeMs,
    onAllotmentShort: (miner) => allotter?.request([miner]),
    refill: async (prefer) => allotter?.topUp(prefer),
  });
  const terms = new TermsCache(o.chain, o.termsTtlMs);
  const directory = new MinerDirectory({
    chain: o.chain,
    client: minerClient,
    logger,
    tasks: GATEWAY_TASKS,
    healthTimeoutMs: o.healthTimeoutMs,
  });
  if (o.allot) {
    allotter = new Allotter({
      ledger,
      account,
      write: o.allot.write,
      redis: o.redis,
      lockKey: keyspace.allotLock(o.chain.chainId, o.chain.billingAddress, client),
      requestsPerMiner: o.allot.requestsPerMiner,
      logger,
      targets: async () => {
        const out = [];
        for (const m of directory.miners()) {
          const { price } = await terms.get(m.netuid, m.tier).catch(() => ({ price: undefined }));
          if (price !== undefined && price > 0n) out.push({ miner: m.hotkey, price });
        }
        return out;
      },
    });
  }
  const usage = new UsageStore(o.redis, keyspace);
  const apiKeys = new ApiKeyStore(o.redis, keyspace, o.defaultRpm ?? 60);
  const dispatcher = new Dispatcher({
    account,
    router,
    client: minerClient,
    signer: o.signer,
    wireDomain: wireDomain(o.chain.chainId, o.chain.subnetsAddress),
    logger,
    metrics,
    timeoutMs: o.minerTimeoutMs,
    maxFailovers: o.maxFailovers,
  });
  return {
    redis: o.redis,
    apiKeys,
    usage,
    directory,
    dispatcher,
    account,
    terms,
    tokens: o.tokens ?? { count: () => undefined },
    metrics,
    logger,
    chainId: o.chain.chainId,
    maxImageBytes: o.maxImageBytes ?? 4 * 1024 * 1024,
    minerClient,
    scoreboard,
    ledger,
    allotter,
    async close() {
      allotter?.stop();
      directory.stop();
      minerClient.close();
      await usage.flush().catch((err: unknown) => logger.error({ err }, "usage counts not written at close"));
    },
  };
}
