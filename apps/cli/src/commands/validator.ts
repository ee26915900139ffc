import { Command, Option } from "commander";
import { createLogger, Shutdown } from "@noosphere/node-kit";
import type { ConfigValue } from "@noosphere/node-kit";
import {
  ALL_ROLES,
  RedisUnavailableError,
  VALIDATOR_DEFAULTS,
  ValidatorConfigError,
  launchValidator,
  resolveValidatorSettings,
} from "@noosphere/validator";
import type { ValidatorSettings } from "@noosphere/validator";
import { UserError } from "../errors";

const int = (v: string) => Number(v);

/** `noos validator start`: score the subnet's miners and commit and reveal weights (needs Redis). */
export function validatorCommand(): Command {
  const validator = new Command("validator").description(
    "validate a subnet: probe miners, score them, set weights (needs Redis)",
  );
  validator
    .command("start")
    .description("start a validator process (several processes with the same key and Redis share the work)")
    .requiredOption("--netuid <n>", "subnet to validate", int)
    .requiredOption("--key <file>", "the validator's hotkey keystore")
    .option("--password <pw>", "keystore password (default: NOOS_KEY_PASSWORD)")
    .option("--redis <url>", `Redis holding the queues (required; default ${VALIDATOR_DEFAULTS.redis})`)
    .option("--redis-prefix <tag>", "override the key prefix, a {hash tag} (default {noos:val:<netuid>-<hotkey>})")
    .option("--rpc <url>", `chain RPC (default ${VALIDATOR_DEFAULTS.rpc})`)
    .option("--model <dir|name>", "reference model for text-generation (the subnet's allowed model; default noos-tiny)")
    .option("--roles <list>", `work this process takes, of ${ALL_ROLES.join(",")} (default all)`)
    .option("--probe-interval <ms>", "one probe round per interval", int)
    .option("--probe-timeout <ms>", "a miner answering later scores 0", int)
    .option("--probe-concurrency <n>", "probes in flight in this process", int)
    .option("--score-concurrency <n>", "score jobs in flight in this process", int)
    .option("--epoch-check <ms>", "how often the chain is read for a new epoch", int)
    .option("--max-response-bytes <n>", "larger answers score 0", int)
    .option("--allow-private-axons", "probe miners whose axons are loopback or private addresses (a devnet)")
    .option("--ema-alpha <x>", "weight of a new score in each miner's moving average", Number)
    .option("--lock-duration <ms>", "a crashed process's jobs are taken over after about this long", int)
    .option("--keeper", "also start the subnet's on-chain epochs when they are due")
    .addOption(new Option("--no-http", "do not serve /health and /metrics").default(undefined))
    .option("--host <host>", `address of /health and /metrics (default ${VALIDATOR_DEFAULTS.host})`)
    .option("--port <port>", `port of /health and /metrics (0: any free port; default ${VALIDATOR_DEFAULTS.port})`, int)
    .option("--config <file>", "JSON file with any of these settings (camelCase keys)")
    .action(async (opts: Record<string, ConfigValue> & { config?: string }) => {
      const { config, ...flags } = opts;
      const logger = createLogger("validator");
      let settings: ValidatorSettings;
      try {
        settings = resolveValidatorSettings(definedOnly(flags), config);
      } catch (err) {
        throw asUserError(err);
      }
      const shutdown = new Shutdown(logger);
      shutdown.installSignalHandlers();
      const running = await launchValidator(settings, logger).catch((err: unknown) => {
        throw asUserError(err);
      });
      shutdown.add("validator", () => running.close());
      if (running.url) logger.info({ url: running.url }, "health and metrics");
      await new Promise<void>((resolve) => shutdown.signal.addEventListener("abort", () => resolve()));
    });
  return validator;
}

/** Commander sets unset options to undefined; those must not hide the environment or the file. */
function definedOnly(flags: Record<string, ConfigValue>): Record<string, ConfigValue> {
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
}

function asUserError(err: unknown): unknown {
  if (err instanceof RedisUnavailableError || err instanceof ValidatorConfigError) return new UserError(err.message);
  return err;
}
