import { Command } from "commander";
import { createLogger, resolveConfig, Shutdown } from "@noosphere/node-kit";
import { UserError } from "../errors";

/** Settings of `noos explorer start`: flags > NOOS_<KEY> environment > --config file > these defaults. */
const DEFAULTS = {
  rpc: "http://127.0.0.1:8545",
  host: "127.0.0.1",
  port: 8600,
  gateway: undefined as string | undefined,
  gatewayApiKey: undefined as string | undefined,
  blockTime: 1,
};

type Flags = Partial<Record<keyof typeof DEFAULTS, string>> & { config?: string };

export function explorerCommand(): Command {
  const explorer = new Command("explorer").description("the web page over the chain and the gateway");
  explorer
    .command("start")
    .description(
      "serve the explorer page and its JSON API (subnets, neurons, weights, billing, proposals, playground); " +
        "build the page first with: npx vite build apps/explorer",
    )
    .option("--rpc <url>", "chain JSON-RPC URL (default http://127.0.0.1:8545)")
    .option("--host <host>", "address to listen on (default 127.0.0.1)")
    .option("--port <port>", "port to listen on (default 8600; 0: any free port)")
    .option("--gateway <url>", "gateway the playground sends requests through")
    .option("--gateway-api-key <key>", "API key the playground uses (better: NOOS_GATEWAY_API_KEY, kept out of ps)")
    .option("--block-time <seconds>", "seconds per block, for per-day figures (default 1)")
    .option("--config <file>", "JSON file with any of these settings (camelCase keys)")
    .action(async (flags: Flags) => {
      const { config: file, ...given } = flags;
      const s = resolveConfig(DEFAULTS, { flags: given, file });
      const port = Number(s.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new UserError(`--port takes 0 to 65535, got "${s.port}"`);
      if (!(s.blockTime > 0))
        throw new UserError(`--block-time takes a positive number of seconds, got "${s.blockTime}"`);
      if (s.gateway && !s.gatewayApiKey) throw new UserError("--gateway needs an API key: set NOOS_GATEWAY_API_KEY");
      const logger = createLogger("explorer");
      // Loaded here: other commands need neither Fastify nor the page's server.
      const { startExplorer } = require("@noosphere/explorer") as typeof import("@noosphere/explorer");
      const running = await startExplorer({
        rpc: s.rpc,
        host: s.host,
        port,
        gatewayUrl: s.gateway,
        apiKey: s.gatewayApiKey,
        blockTimeSeconds: s.blockTime,
        logger,
      });
      const shutdown = new Shutdown(logger, 5_000);
      shutdown.add("explorer", () => running.close());
      shutdown.installSignalHandlers();
    });
  return explorer;
}
