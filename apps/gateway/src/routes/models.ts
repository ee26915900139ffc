import { formatEther } from "ethers";
import type { FastifyInstance } from "fastify";
import type { GatewayServices } from "../context";
import { errors } from "../errors";
import type { ModelRoute } from "../routing/directory";

/** GET /v1/models (one entry per subnet model and tier with a live miner) and GET /v1/models/{id}. */
export function modelRoutes(s: GatewayServices) {
  const created = Math.floor(Date.now() / 1000);
  async function entry(route: ModelRoute) {
    const terms = await s.terms.get(route.netuid, route.tier).catch(() => undefined);
    return {
      id: route.id,
      object: "model" as const,
      created,
      owned_by: `noosphere-sn${route.netuid}`,
      netuid: route.netuid,
      tier: route.tier === 1 ? "batch" : "standard",
      task: route.taskId,
      name: route.modelName,
      price_noos: terms?.price === undefined ? null : formatEther(terms.price),
      max_input_tokens: terms?.maxInputTokens ?? null,
      max_output_tokens: terms?.maxOutputTokens ?? null,
      miners: route.miners.filter((m) => m.live).length,
    };
  }
  return async function register(app: FastifyInstance): Promise<void> {
    app.get("/models", async () => {
      const live = s.directory.models().filter((r) => r.miners.some((m) => m.live));
      return { object: "list", data: await Promise.all(live.map(entry)) };
    });
    app.get("/models/*", async (req) => {
      const id = (req.params as { "*": string })["*"];
      const route = s.directory.resolve(id);
      if (!route) throw errors.modelNotFound(id);
      return entry(route);
    });
  };
}
