import { formatEther } from "ethers";
import type { FastifyInstance } from "fastify";
import type { GatewayServices } from "../context";

/** GET /health (no key needed) and GET /metrics (Prometheus). */
export function opsRoutes(s: GatewayServices) {
  const startedAt = Date.now();
  return async function register(app: FastifyInstance): Promise<void> {
    app.get("/health", async (_req, reply) => {
      const redis = await s.redis.ping().then(
        () => "ok",
        () => "down",
      );
      const miners = s.directory.miners();
      const live = miners.filter((m) => m.live);
      const account = redis === "ok" ? await s.account.status().catch(() => undefined) : undefined;
      const status = redis !== "ok" ? "down" : live.length === 0 ? "degraded" : "ok";
      void reply.code(status === "down" ? 503 : 200);
      return {
        status,
        chainId: s.chainId,
        client: s.account.client,
        signer: s.account.signerAddress,
        redis,
        miners: { live: live.length, known: miners.length },
        models: s.directory
          .models()
          .filter((r) => r.miners.some((m) => m.live))
          .map((r) => r.id),
        escrow: account && {
          available: formatEther(account.escrow),
          outstanding: formatEther(account.outstanding),
          free: formatEther(account.available),
          block: account.block ?? null,
        },
        directoryAgeSeconds: s.directory.lastRefreshAt
          ? Math.round((Date.now() - s.directory.lastRefreshAt) / 1000)
          : null,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      };
    });
    app.get("/metrics", async (_req, reply) => {
      const byNetuid = new Map<number, number>();
      for (const m of s.directory.miners()) byNetuid.set(m.netuid, (byNetuid.get(m.netuid) ?? 0) + (m.live ? 1 : 0));
      for (const [netuid, n] of byNetuid) s.metrics.liveMiners.set({ netuid: String(netuid) }, n);
      void reply.header("content-type", s.metrics.registry.contentType);
      return s.metrics.registry.metrics();
    });
  };
}
