import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { parseEther } from "ethers";
import type { Signer } from "ethers";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import type { Redis } from "ioredis";
import { buildGatewayApp } from "../app";
import { createGatewayServices } from "../services";
import { allotmentWriter } from "../start";
import type { GatewayRuntime } from "../services";
import type { Keyspace } from "../store/keyspace";
import { TokenizerRegistry } from "../tokens";
import { startTestNetwork } from "./network";
import type { TestNetwork } from "./network";
import { testRedis } from "./redis";

/**
 * A gateway on a real network: a Hardhat node, two noos-tiny miners and a PP-OCRv4 miner (with
 * 1 NOOS in the client's escrow, allotted to the miners by the gateway), Redis under a fresh prefix,
 * and the gateway app listening.
 */
export interface GatewayFixture {
  net: TestNetwork;
  redis: Redis;
  keys: Keyspace;
  tokens: TokenizerRegistry;
  gw: GatewayRuntime;
  app: FastifyInstance;
  baseURL: string;
  /** A key of the gateway's, and the official client using it. */
  apiKey: string;
  openai: OpenAI;
  /** The routers' draws: 0 picks the first ready miner by uid (deterministic). */
  random: number | (() => number);
  /** Another gateway runtime on the same network and Redis prefix (another signer, client or connection). */
  gateway(signer?: Signer, client?: string, connection?: Redis): Promise<GatewayRuntime>;
  /** Inference calls the text miners have answered so far. */
  calls(): number;
  /** POSTs `body` to the gateway with `key` (default: the fixture's key). */
  inject(url: string, body: unknown, key?: string): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startGatewayFixture(): Promise<GatewayFixture> {
  const [net, { redis, keys, cleanup }, tokens] = await Promise.all([
    startTestNetwork({ miners: 2, deposit: parseEther("1"), ocr: true }),
    testRedis(),
    TokenizerRegistry.load(),
  ]);
  const fx = { net, redis, keys, tokens, random: 0 } as GatewayFixture;
  fx.gateway = async (signer = net.client, client, connection = redis) => {
    const runtime = await createGatewayServices({
      redis: connection,
      keyspace: keys,
      chain: net.chainView(),
      signer,
      client,
      tokens,
      defaultRpm: 0,
      healthTimeoutMs: 2_000,
      allowPrivateAxons: true, // the test miners listen on 127.0.0.1
      router: { random: () => (typeof fx.random === "function" ? fx.random() : fx.random) },
      // 100 calls' worth per miner: the tests run out and refill allotments as real traffic does.
      allot: { write: allotmentWriter(net.billing.connect(signer)), requestsPerMiner: 100 },
    });
    await runtime.directory.refresh();
    await runtime.allotter?.topUp();
    return runtime;
  };
  fx.gw = await fx.gateway();
  fx.app = buildGatewayApp(fx.gw);
  await fx.app.listen({ port: 0, host: "127.0.0.1" });
  fx.baseURL = `http://127.0.0.1:${(fx.app.server.address() as AddressInfo).port}/v1`;
  fx.apiKey = (await fx.gw.apiKeys.create("tests")).key;
  fx.openai = new OpenAI({ baseURL: fx.baseURL, apiKey: fx.apiKey });
  fx.calls = () => net.miners.reduce((n, m) => n + m.calls, 0);
  fx.inject = (url, body, key = fx.apiKey) =>
    fx.app.inject({ method: "POST", url, payload: body as object, headers: { authorization: `Bearer ${key}` } });
  fx.close = async () => {
    await fx.app.close();
    await fx.gw.close();
    await net.stop();
    await cleanup();
  };
  return fx;
}
