import type { AddressInfo } from "node:net";
import type { TypedDataDomain, Wallet } from "ethers";
import type { FastifyInstance } from "fastify";
import { builtinModelPath, loadTextGenerationModel } from "@noosphere/inference";
import type { TextGenerationModel } from "@noosphere/inference";
import { silentLogger } from "@noosphere/node-kit";
import type { Logger } from "@noosphere/node-kit";
import { VoucherBook, buildMinerApp } from "@noosphere/miner";
import type { MinerChainView, TaskHandler } from "@noosphere/miner";

/** The built-in text model (a trigram model of Moby-Dick as ONNX): a real model that loads in a second. */
export function loadTinyModel(): Promise<TextGenerationModel> {
  return loadTextGenerationModel(builtinModelPath("noos-tiny"));
}

export interface TestMinerOptions {
  task: TaskHandler;
  hotkey: Wallet;
  netuid: number;
  tier: number;
  wireDomain: TypedDataDomain;
  voucherDomain: TypedDataDomain;
  /** What the miner reads on-chain (permits, prices, limits, escrows). */
  chain: MinerChainView;
  /** Model runs at once (default 2) and requests waiting for one (the app's default). */
  concurrency?: number;
  maxQueued?: number;
  logger?: Logger;
}

/** A miner app listening on 127.0.0.1. */
export interface TestMiner {
  url: string;
  host: string;
  port: number;
  app: FastifyInstance;
  book: VoucherBook;
  /** POST /v1/infer requests this miner received (answered or not). */
  readonly calls: number;
  /** Stops answering (the port is closed); `start` listens on the same port again. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The real miner app (apps/miner's buildMinerApp) serving `task` on a free port. */
export async function serveTestMiner(opts: TestMinerOptions): Promise<TestMiner> {
  const book = new VoucherBook();
  const app = buildMinerApp({
    task: opts.task,
    hotkey: opts.hotkey,
    netuid: opts.netuid,
    tier: opts.tier,
    wireDomain: opts.wireDomain,
    voucherDomain: opts.voucherDomain,
    chain: opts.chain,
    book,
    concurrency: opts.concurrency ?? 2,
    maxQueued: opts.maxQueued,
    logger: opts.logger ?? silentLogger(),
  });
  const counter = { calls: 0 };
  app.addHook("onRequest", async (req) => {
    if (req.url === "/v1/infer") counter.calls++;
  });
  const host = "127.0.0.1";
  await app.listen({ port: 0, host });
  const port = (app.server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    host,
    port,
    app,
    book,
    get calls() {
      return counter.calls;
    },
    stop: async () => {
      app.server.closeAllConnections();
      await new Promise<void>((r) => app.server.close(() => r()));
    },
    start: async () => {
      await new Promise<void>((resolve, reject) => {
        app.server.once("error", reject);
        app.server.listen(port, host, () => resolve());
      });
    },
    close: async () => {
      if (app.server.listening) app.server.closeAllConnections();
      await app.close();
    },
  };
}
