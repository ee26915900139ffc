import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { builtinModelPath, loadTextGenerationModel } from "@noosphere/inference";
import { createRegistry, silentLogger } from "@noosphere/node-kit";
import { voucherDomain, wireDomain } from "@noosphere/protocol";
import { buildMinerApp } from "../app";
import { ContractChainView } from "../billing/chain-view";
import { VoucherBook } from "../billing/voucher-book";
import { createMinerMetrics } from "../metrics";
import type { MinerMetrics } from "../metrics";
import type { TaskHandler } from "../tasks/task";
import { TextGenerationTask } from "../tasks/text-generation";
import type { MinerTarget } from "./client";
import { startHardhatNode } from "@noosphere/testkit";
import type { HardhatNode } from "@noosphere/testkit";
import { deployNetwork } from "./network";
import type { TestNetwork } from "./network";
import { registerNeuron } from "@noosphere/deploy";

export const TIER_BATCH = 1;
/** noos-tiny (a trigram model of Moby-Dick) runs on for the whole max_tokens after this prompt. */
export const TEXT = "Call me Ishmael. Some years ago";
export const PROMPT = { prompt: TEXT, max_tokens: 8 };

/** The real task, counting its runs, how many overlap (the concurrency limit) and how many were aborted. */
export class CountingTask implements TaskHandler {
  running = 0;
  maxRunning = 0;
  runs = 0;
  aborted = 0;
  /** Set to serve as a task that is not speculative (as OCR is). */
  speculativeOverride: boolean | undefined;
  /** While set, a run holds its slot here before the model starts (a long request, made exact). */
  gate: Promise<void> | undefined;
  constructor(private readonly inner: TaskHandler) {}
  get speculative() {
    return this.speculativeOverride ?? this.inner.speculative;
  }
  get taskId() {
    return this.inner.taskId;
  }
  get modelName() {
    return this.inner.modelName;
  }
  get modelHash() {
    return this.inner.modelHash;
  }
  get provider() {
    return this.inner.provider;
  }
  parse: TaskHandler["parse"] = (body, limits) => this.inner.parse(body, limits);
  wantsStream: TaskHandler["wantsStream"] = (input) => this.inner.wantsStream?.(input) ?? false;
  stream: TaskHandler["stream"] = (input, signal) => this.inner.stream!(input, signal);
  async run(input: unknown, signal: AbortSignal) {
    this.runs++;
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await this.gate;
      return await this.inner.run(input, signal);
    } catch (err) {
      if (signal.aborted) this.aborted++;
      throw err;
    } finally {
      this.running--;
    }
  }
  close() {
    return this.inner.close();
  }
}

/** A miner app serving noos-tiny on the batch tier of a fresh network, listening on a free port. */
export interface MinerAppFixture {
  node: HardhatNode;
  net: TestNetwork;
  app: FastifyInstance;
  task: CountingTask;
  book: VoucherBook;
  metrics: MinerMetrics;
  chain: ContractChainView;
  target: MinerTarget;
  close(): Promise<void>;
}

/** Starts a Hardhat node, deploys, registers the miner and serves it (one model run, two queued). */
export async function startMinerApp(): Promise<MinerAppFixture> {
  const node = await startHardhatNode();
  const model = await loadTextGenerationModel(builtinModelPath("noos-tiny"));
  const task = new CountingTask(new TextGenerationTask(model));
  const net = await deployNetwork(node, { modelHash: task.modelHash });
  const { miner } = net.accounts;
  await registerNeuron(net.subnets, miner, net.netuid, miner.address);
  const book = new VoucherBook();
  const metrics = createMinerMetrics(createRegistry("miner-test", false));
  const chain = new ContractChainView({
    subnets: net.subnets,
    billing: net.billing,
    netuid: net.netuid,
    tier: TIER_BATCH,
    miner: miner.address,
  });
  const wire = wireDomain(net.chainId, net.deployment.contracts.subnets);
  const vouchers = voucherDomain(net.chainId, net.deployment.contracts.billing);
  const app = buildMinerApp({
    task,
    hotkey: miner,
    netuid: net.netuid,
    tier: TIER_BATCH,
    wireDomain: wire,
    voucherDomain: vouchers,
    chain,
    book,
    concurrency: 1,
    maxQueued: 2,
    bodyLimit: 16 * 1024,
    logger: silentLogger(),
    metrics,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const target: MinerTarget = {
    url: `http://127.0.0.1:${port}`,
    miner: miner.address,
    netuid: net.netuid,
    wireDomain: wire,
    voucherDomain: vouchers,
    tier: TIER_BATCH,
    model: task.modelHash,
  };
  return {
    node,
    net,
    app,
    task,
    book,
    metrics,
    chain,
    target,
    async close() {
      await app.close();
      await node.stop();
    },
  };
}

/** A refusal's status and error code. */
export async function errorOf(res: Response): Promise<{ status: number; code: string }> {
  const body = (await res.json()) as { error: { code: string } };
  return { status: res.status, code: body.error.code };
}
