import Fastify from "fastify";
import type { FastifyInstance } from "fastify";
import type { ValidatorMetrics } from "./metrics";

/** What /health reports; each part is read when asked. */
export interface HealthSources {
  identity: Record<string, unknown>;
  redis(): Promise<boolean>;
  chain(): Promise<{ block: number; epoch?: string } | undefined>;
  jobCounts(): Promise<Record<string, Record<string, number>>>;
  status(): Promise<Record<string, string>>;
}

export interface ValidatorHttpOptions {
  metrics: ValidatorMetrics;
  health: HealthSources;
}

/**
 * The validator's HTTP side (not listening): GET /health (200 when Redis and the chain answer,
 * 503 otherwise, with queue counts and the last commit and reveal) and GET /metrics (Prometheus).
 */
export function buildValidatorHttp(opts: ValidatorHttpOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  const startedAt = Date.now();

  app.get("/health", async (_req, reply) => {
    const [redis, chain] = await Promise.all([
      opts.health.redis().catch(() => false),
      opts.health.chain().catch(() => undefined),
    ]);
    const [jobs, status] = redis
      ? await Promise.all([opts.health.jobCounts().catch(() => ({})), opts.health.status().catch(() => ({}))])
      : [{}, {} as Record<string, string>];
    const ok = redis && chain !== undefined;
    void reply.code(ok ? 200 : 503);
    return {
      status: ok ? "ok" : "degraded",
      ...opts.health.identity,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      redis: redis ? "ok" : "unreachable",
      chain: chain ?? "unreachable",
      jobs,
      lastCommit: pick(status, "lastCommit"),
      lastReveal: pick(status, "lastReveal"),
    };
  });

  app.get("/metrics", async (_req, reply) => {
    void reply.header("content-type", opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });

  return app;
}

function pick(status: Record<string, string>, prefix: string): { epoch: string; block: number; at: string } | null {
  const epoch = status[`${prefix}Epoch`];
  if (epoch === undefined) return null;
  return {
    epoch,
    block: Number(status[`${prefix}Block`]),
    at: new Date(Number(status[`${prefix}At`])).toISOString(),
  };
}
