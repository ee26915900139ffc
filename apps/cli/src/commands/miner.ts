import { Command } from "commander";
import { isAddress, parseEther } from "ethers";
import { createLogger, loadKeystore, resolveConfig } from "@noosphere/node-kit";
import { DEVICES, MinerSetupError, startMiner } from "@noosphere/miner";
import type { Device } from "@noosphere/miner";
import { UserError } from "../errors";

/** Settings of `noos miner start`: flags > NOOS_<KEY> environment > --config file > these defaults. */
const DEFAULTS = {
  rpc: "http://127.0.0.1:8545",
  netuid: undefined as string | undefined,
  model: undefined as string | undefined,
  device: "auto",
  host: "127.0.0.1",
  port: 8091,
  advertiseHost: undefined as string | undefined,
  key: undefined as string | undefined,
  password: undefined as string | undefined,
  owner: undefined as string | undefined,
  maxBurn: undefined as string | undefined,
  redeemInterval: 300,
  concurrency: 1,
  maxQueued: 16,
  grace: 30,
  state: undefined as string | undefined,
};

type Flags = Partial<Record<keyof typeof DEFAULTS, string>> & { config?: string };

export function minerCommand(): Command {
  const miner = new Command("miner").description("serve a subnet's task with an ONNX model and earn NOOS");
  miner
    .command("start")
    .description(
      "load the model, register the hotkey and its axon on-chain, serve signed requests, redeem vouchers " +
        "(every --redeem-interval seconds and on shutdown); Ctrl-C or SIGTERM drains and exits 0",
    )
    .option("--netuid <n>", "subnet to serve (required)")
    .option(
      "--model <builtin:name|path>",
      "builtin:noos-tiny (text-generation), builtin:ppocr-v4 (ocr) or a model folder; default: the task's built-in",
    )
    .option(
      "--device <auto|cuda|cpu>",
      "execution provider (default auto: CUDA when usable); tier: standard on CUDA, batch on CPU",
    )
    .option("--port <port>", "port to listen on (default 8091; 0: any free port)")
    .option("--host <host>", "address to listen on, published on-chain unless --advertise-host (default 127.0.0.1)")
    .option("--advertise-host <host>", "host name validators and gateways reach this miner at")
    .option("--key <keystore>", "the miner's hotkey, an encrypted JSON keystore (required)")
    .option("--password <pw>", "keystore password (default: NOOS_KEY_PASSWORD)")
    .option("--rpc <url>", "chain JSON-RPC URL (default http://127.0.0.1:8545)")
    .option("--redeem-interval <seconds>", "seconds between voucher redemptions (default 300)")
    .option("--owner <address>", "coldkey that owns the hotkey in Staking, set on first start (default: the hotkey)")
    .option("--max-burn <noos>", "most NOOS the subnet registration may burn (default: the price quoted at start)")
    .option("--concurrency <n>", "requests run on the model at once (default 1)")
    .option("--max-queued <n>", "requests waiting before 429 (default 16)")
    .option("--grace <seconds>", "seconds a shutdown may take before exiting anyway (default 30)")
    .option(
      "--state <file>",
      "file keeping answered vouchers and used nonces across restarts (default ~/.noos/miner/<chain>-<billing>-<hotkey>.jsonl)",
    )
    .option("--config <file>", "JSON file with any of these settings (camelCase keys)")
    .action(async (flags: Flags) => {
      const { config: file, ...given } = flags;
      const settings = resolveConfig(DEFAULTS, { flags: given, file });
      const netuid = integer(settings.netuid, "--netuid", 1, 65_535);
      if (settings.key === undefined)
        throw new UserError("--key <keystore> is required: create one with 'noos wallet new --out <file>'");
      const device = settings.device as Device;
      if (!DEVICES.includes(device)) throw new UserError(`--device takes auto, cuda or cpu, got "${settings.device}"`);
      if (settings.owner !== undefined && !isAddress(settings.owner))
        throw new UserError(`--owner must be an address, got "${settings.owner}"`);
      const logger = createLogger("miner", { base: { netuid } });
      const hotkey = await loadKeystore(settings.key, settings.password);
      try {
        const running = await startMiner({
          rpc: settings.rpc,
          netuid,
          model: settings.model,
          device,
          host: settings.host,
          port: integer(settings.port, "--port", 0, 65_535),
          advertiseHost: settings.advertiseHost,
          hotkey,
          owner: settings.owner,
          maxBurn: settings.maxBurn === undefined ? undefined : noos(settings.maxBurn, "--max-burn"),
          redeemIntervalSeconds: integer(settings.redeemInterval, "--redeem-interval", 1, 86_400 * 30),
          concurrency: integer(settings.concurrency, "--concurrency", 1, 1024),
          maxQueued: integer(settings.maxQueued, "--max-queued", 0, 100_000),
          graceSeconds: integer(settings.grace, "--grace", 1, 3600),
          stateFile: settings.state,
          logger,
        });
        running.shutdown.installSignalHandlers();
      } catch (err) {
        if (err instanceof MinerSetupError) throw new UserError(err.message);
        throw err;
      }
    });
  return miner;
}

function integer(value: string | number | undefined, flag: string, min: number, max: number): number {
  if (value === undefined) throw new UserError(`${flag} is required`);
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UserError(`${flag} takes a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

function noos(value: string, flag: string): bigint {
  try {
    return parseEther(value);
  } catch {
    throw new UserError(`${flag} takes an amount of NOOS such as 1.5, got "${value}"`);
  }
}
