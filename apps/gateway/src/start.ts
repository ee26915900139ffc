import type { AddressInfo } from "node:net";
import { getAddress } from "ethers";
import type { FastifyInstance } from "fastify";
import type { Billing } from "@noosphere/contracts";
import type { AllotmentWriter } from "./billing/allotter";
import { Redis } from "ioredis";
import { Billing__factory, loadDeployment } from "@noosphere/contracts";
import { Shutdown, connectRpc, createLogger, loadKeystore, managedSigner } from "@noosphere/node-kit";
import type { Logger } from "@noosphere/node-kit";
import { buildGatewayApp } from "./app";
import { GatewayConfigError } from "./errors";
import { consensusIncentives } from "./chain/consensus-incentives";
import { ContractsChainView } from "./chain/contracts-chain-view";
import { createGatewayServices } from "./services";
import type { GatewayRuntime } from "./services";
import { Keyspace, DEFAULT_PREFIX } from "./store/keyspace";
import { TokenizerRegistry } from "./tokens";

/** Everything `noos gateway start` takes (flags > NOOS_* env > config file > these defaults). */
export interface GatewayConfig {
  /** Keystore of the key that signs requests and vouchers (the client's, or a hot key it authorised). */
  key: string;
  password?: string;
  /** The escrow account paying (default: the key's own address). */
  client?: string;
  rpcUrl: string;
  redisUrl: string;
  /** Redis key prefix (a hash tag); gateways sharing it share keys, limits, usage and vouchers. */
  redisPrefix: string;
  host: string;
  port: number;
  /** Requests per minute per API key without its own limit (0 = unlimited). */
  rpm: number;
  /** How often the miner directory is rebuilt from the chain and health checks. */
  discoveryIntervalMs: number;
  minerTimeoutMs: number;
  /** Extra tokenizers for the 413 check, "model=folder,model2=folder2" (built-in models are always known). */
  tokenizers: string;
  /**
   * Each miner's allotment of the client's escrow is kept at about this many calls' worth, topped up
   * from the free escrow by the gateway's key (it pays the gas); 0: the gateway never allots.
   */
  allotRequests: number;
  /** Lets axons point at loopback and private addresses (a devnet: miners on 127.0.0.1); refused otherwise. */
  allowPrivateAxons: boolean;
}

export const GATEWAY_DEFAULTS = {
  rpcUrl: "http://127.0.0.1:8545",
  redisUrl: "redis://127.0.0.1:6379",
  redisPrefix: DEFAULT_PREFIX,
  host: "127.0.0.1",
  port: 8080,
  rpm: 60,
  discoveryIntervalMs: 12_000,
  minerTimeoutMs: 60_000,
  tokenizers: "",
  allotRequests: 10_000,
  allowPrivateAxons: false,
} as const;

export interface RunningGateway {
  app: FastifyInstance;
  runtime: GatewayRuntime;
  url: string;
  shutdown: Shutdown;
}

/** Parses "name=dir,name2=dir2". */
export function parseTokenizers(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0 || eq === part.length - 1) throw new Error(`--tokenizer takes model=folder, got "${part}"`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/**
 * Starts a gateway: connects to the chain (addresses from the deployment file of its chain id)
 * and to Redis, checks the key may sign for the client, snapshots the escrow, discovers miners,
 * and listens. SIGINT/SIGTERM stop it cleanly.
 */
export async function startGateway(
  config: GatewayConfig,
  logger: Logger = createLogger("gateway"),
): Promise<RunningGateway> {
  const shutdown = new Shutdown(logger);
  try {
    const wallet = await loadKeystore(config.key, config.password);
    // No ethers read cache: a snapshot right after our own allotment must see it (block number included).
    const { provider, chainId } = await connectRpc(config.rpcUrl, { cacheTimeout: -1 });
    shutdown.add("chain", () => provider.destroy());
    const deployment = loadDeployment(chainId);
    const redis = await openRedis(config.redisUrl);
    shutdown.add("redis", () => void redis.disconnect());
    const chain = new ContractsChainView({
      provider,
      chainId,
      subnets: deployment.contracts.subnets,
      billing: deployment.contracts.billing,
      incentives: await consensusIncentives(provider, deployment.contracts.consensus),
    });
    const tokens = await TokenizerRegistry.load(parseTokenizers(config.tokenizers));
    // Its own nonce count: top-ups may follow each other faster than the provider's cached count moves.
    const billingWriter = Billing__factory.connect(deployment.contracts.billing, managedSigner(wallet, provider));
    const runtime = await createGatewayServices({
      redis,
      keyspace: new Keyspace(config.redisPrefix),
      chain,
      signer: wallet,
      client: config.client ? getAddress(config.client) : undefined,
      logger,
      tokens,
      defaultRpm: config.rpm,
      minerTimeoutMs: config.minerTimeoutMs,
      allowPrivateAxons: config.allowPrivateAxons,
      allot:
        config.allotRequests > 0
          ? { write: allotmentWriter(billingWriter), requestsPerMiner: config.allotRequests }
          : undefined,
    });
    shutdown.add("services", () => runtime.close());
    await runtime.account.checkSigner();
    await runtime.account.snapshot();
    await runtime.directory.start(config.discoveryIntervalMs);
    await runtime.allotter?.start(config.discoveryIntervalMs);
    const app = buildGatewayApp(runtime);
    shutdown.add("http", () => app.close());
    await app.listen({ host: config.host, port: config.port });
    const { port } = app.server.address() as AddressInfo;
    const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
    const status = await runtime.account.status();
    logger.info(
      {
        url,
        chainId,
        client: runtime.account.client,
        signer: wallet.address,
        models: runtime.directory.models().map((m) => m.id),
        escrowAvailable: status.available.toString(),
      },
      "gateway listening",
    );
    return { app, runtime, url, shutdown };
  } catch (err) {
    await shutdown.run();
    throw err;
  }
}

/** `Billing.allotMany` sent with the gateway's key, waited for. */
export function allotmentWriter(billing: Billing): AllotmentWriter {
  return async (client, miners, amounts) => {
    const receipt = await (await billing.allotMany(client, miners, amounts)).wait();
    if (receipt?.status !== 1) throw new Error(`allotMany transaction ${receipt?.hash} failed`);
  };
}

/** Connects to Redis and checks it answers, with a message that says what to do if not. */
export async function openRedis(url: string): Promise<Redis> {
  // A command waits at most 1 s (a frozen Redis must not stall every request); while Redis is down,
  // commands fail at once (no offline queue) and requests get a 503 with Retry-After.
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: false,
    commandTimeout: 1_000,
  });
  let lastError: Error | undefined;
  const remember = (err: Error) => (lastError = err);
  redis.on("error", remember);
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (err) {
    redis.disconnect();
    const reason = (lastError ?? (err as Error)).message;
    throw new RedisUnavailableError(
      `cannot reach Redis at ${url} (${reason}): start one (redis-server) or pass --redis <url>`,
    );
  } finally {
    redis.off("error", remember);
    // A running gateway logs Redis trouble through its requests' errors; never crash on the event.
    redis.on("error", () => undefined);
  }
}

export class RedisUnavailableError extends GatewayConfigError {
  override readonly name: string = "RedisUnavailableError";
}
