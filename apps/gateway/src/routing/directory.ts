import { TIERS } from "@noosphere/protocol";
import type { Logger } from "@noosphere/node-kit";
import type { GatewayChainView, NeuronInfo, SubnetInfo } from "../chain/chain-view";
import type { MinerClient } from "../miner-client";
import type { MinerEndpoint } from "./router";

/** A model the gateway offers: one (subnet, tier, model name) with the miners serving it. */
export interface ModelRoute {
  /** Canonical id: `sn<netuid>/<model>`, with `:batch` for the batch (CPU) tier. */
  id: string;
  netuid: number;
  tier: number;
  taskId: string;
  modelName: string;
  miners: MinerEndpoint[];
}

export interface DirectoryOptions {
  chain: GatewayChainView;
  client: MinerClient;
  logger: Logger;
  /** Tasks this gateway serves (subnets with other tasks are ignored). */
  tasks: readonly string[];
  healthTimeoutMs?: number;
}

interface HealthReply {
  status?: string;
  task?: string;
  model?: string;
  modelHash?: string;
  provider?: string;
  netuid?: number;
  hotkey?: string;
  tier?: number | string;
  queue?: { concurrency?: number; maxQueued?: number };
}

export function modelId(netuid: number, modelName: string, tier: number): string {
  return `sn${netuid}/${modelName}${tier === TIERS.batch ? ":batch" : ""}`;
}

function tierOf(health: HealthReply): number {
  if (typeof health.tier === "number") return health.tier;
  if (health.tier === "standard" || health.tier === "batch") return TIERS[health.tier];
  // Miners that do not say: a GPU serves the standard tier, a CPU the batch tier.
  return health.provider === "cuda" ? TIERS.standard : TIERS.batch;
}

/**
 * The miners the gateway can route to, rebuilt from the chain (subnets, neurons, axons, last
 * epoch's incentive) and each axon's /health (model, tier, and whether it answers at all). A
 * miner whose health check fails keeps its last known entry, marked not live.
 */
export class MinerDirectory {
  private endpoints = new Map<string, MinerEndpoint>();
  /** Axons refused as private targets (logged once each). */
  private readonly refused = new Set<string>();
  private routes: ModelRoute[] = [];
  private subnetList: SubnetInfo[] = [];
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  lastRefreshAt = 0;

  constructor(private readonly opts: DirectoryOptions) {}

  /** Refreshes now, then every `intervalMs` in the background. */
  async start(intervalMs: number): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) => this.opts.logger.warn({ err }, "miner directory refresh failed"));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One refresh at a time; concurrent callers share it. */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  models(): ModelRoute[] {
    return this.routes;
  }

  subnets(): SubnetInfo[] {
    return this.subnetList;
  }

  miners(): MinerEndpoint[] {
    return [...this.endpoints.values()];
  }

  /**
   * The route for a model id: canonical (`sn1/noos-tiny`, `sn1/noos-tiny:batch`) or the model's
   * bare name (`noos-tiny:batch`: the lowest netuid serving it on the batch tier; `noos-tiny`: on
   * the standard tier, else on the batch tier).
   */
  resolve(model: string): ModelRoute | undefined {
    const exact = this.routes.find((r) => r.id === model);
    if (exact) return exact;
    const batch = model.endsWith(":batch");
    const name = batch ? model.slice(0, -":batch".length) : model;
    const named = this.routes.filter((r) => r.modelName === name).sort((a, b) => a.netuid - b.netuid);
    const withLive = (tier: number) =>
      named.find((r) => r.tier === tier && r.miners.some((m) => m.live)) ?? named.find((r) => r.tier === tier);
    return batch ? withLive(TIERS.batch) : (withLive(TIERS.standard) ?? withLive(TIERS.batch));
  }

  /** The first route of a task (for requests that name no model, e.g. OCR). */
  firstOfTask(taskId: string): ModelRoute | undefined {
    const live = this.routes.filter((r) => r.taskId === taskId);
    return live.find((r) => r.miners.some((m) => m.live)) ?? live[0];
  }

  private async doRefresh(): Promise<void> {
    const { chain, tasks } = this.opts;
    const subnets = (await chain.subnets()).filter((s) => tasks.includes(s.taskId));
    const found = new Map<string, MinerEndpoint>();
    await Promise.all(
      subnets.map(async (subnet) => {
        const neurons = (await chain.neurons(subnet.netuid)).filter((n) => n.axon !== undefined);
        const best = neurons.reduce((m, n) => (n.incentive > m ? n.incentive : m), 0n);
        await Promise.all(
          neurons.map(async (n) => {
            const endpoint = await this.probe(subnet, n, best);
            if (endpoint) found.set(endpoint.key, endpoint);
          }),
        );
      }),
    );
    this.subnetList = subnets;
    this.endpoints = found;
    this.routes = buildRoutes([...found.values()]);
    this.lastRefreshAt = Date.now();
  }

  private async probe(subnet: SubnetInfo, n: NeuronInfo, bestIncentive: bigint): Promise<MinerEndpoint | undefined> {
    const axon = n.axon!;
    const url = `${axon.protocol}://${axon.host.includes(":") ? `[${axon.host}]` : axon.host}:${axon.port}`;
    const key = `${subnet.netuid}:${n.hotkey.toLowerCase()}`;
    if (!this.opts.client.allows(url)) {
      if (!this.refused.has(key))
        this.opts.logger.warn({ url, hotkey: n.hotkey }, "axon points at a private address: skipped");
      this.refused.add(key);
      return undefined;
    }
    const incentive = bestIncentive > 0n ? Number((n.incentive * 1_000_000n) / bestIncentive) / 1_000_000 : 0;
    const previous = this.endpoints.get(key);
    try {
      const { status, body } = await this.opts.client.getJson(url, "/health", this.opts.healthTimeoutMs ?? 1_500);
      const health = (body ?? {}) as HealthReply;
      if (status !== 200 || typeof health.model !== "string") throw new Error(`health answered ${status}`);
      if (health.hotkey && health.hotkey.toLowerCase() !== n.hotkey.toLowerCase()) {
        this.opts.logger.warn(
          { url, hotkey: n.hotkey, served: health.hotkey },
          "axon answers for another hotkey: skipped",
        );
        return undefined;
      }
      if (
        (health.task && health.task !== subnet.taskId) ||
        (health.netuid !== undefined && health.netuid !== subnet.netuid)
      ) {
        this.opts.logger.warn({ url, netuid: subnet.netuid, health }, "axon serves another task or subnet: skipped");
        return undefined;
      }
      return {
        key,
        netuid: subnet.netuid,
        uid: n.uid,
        hotkey: n.hotkey,
        url,
        taskId: subnet.taskId,
        modelName: health.model,
        modelHash: axon.modelHash,
        tier: tierOf(health),
        provider: health.provider,
        incentive,
        live: true,
        capacity: capacityOf(health),
      };
    } catch (err) {
      this.opts.logger.debug({ url, err: (err as Error).message }, "miner health check failed");
      if (!previous || previous.url !== url) return undefined;
      return { ...previous, uid: n.uid, incentive, modelHash: axon.modelHash, live: false };
    }
  }
}

/** Requests the miner takes at once, running and queued, per its /health (undefined: it does not say). */
function capacityOf(health: HealthReply): number | undefined {
  const q = health.queue;
  if (typeof q?.concurrency !== "number" || typeof q.maxQueued !== "number") return undefined;
  return q.concurrency + q.maxQueued;
}

function buildRoutes(endpoints: MinerEndpoint[]): ModelRoute[] {
  const routes = new Map<string, ModelRoute>();
  for (const m of endpoints) {
    const id = modelId(m.netuid, m.modelName, m.tier);
    let route = routes.get(id);
    if (!route) {
      route = { id, netuid: m.netuid, tier: m.tier, taskId: m.taskId, modelName: m.modelName, miners: [] };
      routes.set(id, route);
    }
    route.miners.push(m);
  }
  for (const r of routes.values()) r.miners.sort((a, b) => a.uid - b.uid);
  return [...routes.values()].sort(
    (a, b) => a.netuid - b.netuid || a.tier - b.tier || a.modelName.localeCompare(b.modelName),
  );
}
