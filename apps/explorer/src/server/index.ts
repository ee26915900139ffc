import path from "node:path";
import fs from "node:fs";
import Fastify from "fastify";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import fastifyStatic from "@fastify/static";
import type { Logger } from "@noosphere/node-kit";
import type { ChainReader } from "./chain-reader";
import { apiRoutes } from "./routes/api";
import type { PlaygroundClient } from "./playground";

export interface ExplorerOptions {
  reader: ChainReader;
  playground?: PlaygroundClient;
  logger: Logger;
  /** Folder with the built page (vite build); the API still works without it. */
  staticDir?: string;
}

export const DEFAULT_STATIC_DIR = path.join(__dirname, "..", "..", "dist");

/** The explorer: JSON API over the chain and the gateway, and the built React page. */
export function buildExplorerServer(opts: ExplorerOptions): FastifyInstance {
  const app = Fastify({ loggerInstance: opts.logger as FastifyBaseLogger });
  app.register(apiRoutes, { prefix: "/api", reader: opts.reader, playground: opts.playground });
  app.get("/health", async () => ({ status: "ok" }));
  const staticDir = opts.staticDir ?? DEFAULT_STATIC_DIR;
  if (fs.existsSync(path.join(staticDir, "index.html"))) {
    app.register(fastifyStatic, { root: staticDir });
  } else {
    app.get("/", async (_req, reply) =>
      reply.code(503).send({ error: { code: "page-not-built", message: "run: npx vite build apps/explorer" } }),
    );
  }
  return app;
}

export { ChainReader } from "./chain-reader";
export { GatewayPlayground } from "./playground";
