import { Command, Option } from "commander";
import type { GatewayConfig } from "@noosphere/gateway";
import { createLogger, resolveConfig } from "@noosphere/node-kit";
import { UserError } from "../../errors";
import { HELP_DEFAULTS, loadGateway } from "./lazy";

interface StartFlags {
  key?: string;
  password?: string;
  client?: string;
  rpc?: string;
  redis?: string;
  prefix?: string;
  host?: string;
  port?: string;
  rpm?: string;
  discoveryInterval?: string;
  minerTimeout?: string;
  allotRequests?: string;
  allowPrivateAxons?: boolean;
  tokenizer?: string[];
  config?: string;
}

export function gatewayStartCommand(): Command {
  return new Command("start")
    .description("serve /v1/chat/completions, /v1/completions, /v1/models and /v1/ocr, paying miners by voucher")
    .option(
      "--key <keystore>",
      "key that signs requests and vouchers: your escrow account's, or a hot key it authorised",
    )
    .addOption(new Option("--password <pw>", "keystore password").env("NOOS_KEY_PASSWORD"))
    .option(
      "--client <address>",
      "escrow account paying (when --key is a hot key it authorised with Billing.authorizeSigner)",
    )
    .option("--rpc <url>", `JSON-RPC endpoint (default ${HELP_DEFAULTS.rpcUrl})`)
    .option("--redis <url>", `Redis for API keys, rate limits, usage and vouchers (default ${HELP_DEFAULTS.redisUrl})`)
    .option(
      "--prefix <hashtag>",
      `Redis key prefix shared by gateways serving together (default ${HELP_DEFAULTS.redisPrefix})`,
    )
    .option("--host <host>", `address to listen on (default ${HELP_DEFAULTS.host})`)
    .option("--port <port>", `port to listen on (default ${HELP_DEFAULTS.port})`)
    .option(
      "--rpm <n>",
      `requests per minute per API key without its own limit, 0 = unlimited (default ${HELP_DEFAULTS.rpm})`,
    )
    .option("--discovery-interval <ms>", "how often miners are re-read from the chain and health-checked")
    .option("--miner-timeout <ms>", "how long a miner may take to answer")
    .option(
      "--allot-requests <n>",
      "keep each miner's allotment of the escrow at about n calls' worth, paid from the free escrow with --key's gas; 0: never allot (default 10000)",
    )
    .option(
      "--tokenizer <model=folder...>",
      "tokenizer of a model for the input-limit check (built-in models are known)",
    )
    .option(
      "--allow-private-axons",
      "send to miners whose axons are loopback or private addresses (a devnet); refused otherwise",
    )
    .option("--config <file>", "JSON file with any of these settings (flags and NOOS_* variables win)")
    .action(async (flags: StartFlags) => {
      const config = resolveGatewayConfig(flags);
      const { startGateway, GatewayConfigError } = loadGateway();
      const logger = createLogger("gateway");
      const { shutdown } = await startGateway(config, logger).catch((err: unknown) => {
        throw err instanceof GatewayConfigError ? new UserError(err.message) : err;
      });
      shutdown.installSignalHandlers();
    });
}

export function resolveGatewayConfig(flags: StartFlags, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const defaults = {
    ...loadGateway().GATEWAY_DEFAULTS,
    key: undefined as string | undefined,
    client: undefined as string | undefined,
  };
  const resolved = resolveConfig(defaults, {
    env,
    file: flags.config,
    flags: {
      key: flags.key,
      client: flags.client,
      rpcUrl: flags.rpc,
      redisUrl: flags.redis,
      redisPrefix: flags.prefix,
      host: flags.host,
      port: flags.port,
      rpm: flags.rpm,
      discoveryIntervalMs: flags.discoveryInterval,
      minerTimeoutMs: flags.minerTimeout,
      tokenizers: flags.tokenizer?.join(","),
      allotRequests: flags.allotRequests,
      allowPrivateAxons: flags.allowPrivateAxons,
    },
  });
  if (!resolved.key) throw new UserError("the gateway needs a key: pass --key <keystore> (or set NOOS_KEY)");
  return { ...resolved, key: resolved.key, password: flags.password };
}
