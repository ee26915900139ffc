import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { loadDeployment } from "@noosphere/contracts";
import type { Deployment } from "@noosphere/contracts";
import { connectRpc } from "@noosphere/node-kit";
import type { Logger } from "@noosphere/node-kit";
import { ChainReader } from "./chain-reader";
import { buildExplorerServer } from "./index";
import { GatewayPlayground } from "./playground";

export interface ExplorerConfig {
  /** JSON-RPC URL of the chain. */
  rpc: string;
  host: string;
  /** 0: any free port. */
  port: number;
  /** The gateway the playground sends requests through (none: the playground answers 503). */
  gatewayUrl?: string;
  /** The gateway API key the playground uses. */
  apiKey?: string;
  /** Seconds per block, for per-day figures. */
  blockTimeSeconds?: number;
  /** Contract addresses (default: the deployment file of the chain's id). */
  deployment?: Deployment;
  /** Folder with the built page (default apps/explorer/dist). */
  staticDir?: string;
  logger: Logger;
}

export interface RunningExplorer {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Connects to the chain, builds the explorer server and listens. */
export async function startExplorer(config: ExplorerConfig): Promise<RunningExplorer> {
  const { provider, chainId } = await connectRpc(config.rpc);
  try {
    const deployment = config.deployment ?? loadDeployment(chainId);
    const reader = new ChainReader(provider, deployment, config.blockTimeSeconds ?? 1);
    const playground =
      config.gatewayUrl && config.apiKey ? new GatewayPlayground(config.gatewayUrl, config.apiKey) : undefined;
    const app = buildExplorerServer({ reader, playground, logger: config.logger, staticDir: config.staticDir });
    app.addHook("onClose", async () => provider.destroy());
    await app.listen({ host: config.host, port: config.port });
    const { port } = app.server.address() as AddressInfo;
    const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}`;
    config.logger.info({ url, chainId, gateway: config.gatewayUrl }, "explorer listening");
    return { url, app, close: () => app.close() };
  } catch (err) {
    provider.destroy();
    throw err;
  }
}
