import { JsonRpcProvider } from "ethers";
import { loadDeployment } from "@noosphere/contracts";
import { connectRpc, loadKeystore, resolveConfig } from "@noosphere/node-kit";
import type { ConfigValue, Logger } from "@noosphere/node-kit";
import { ValidatorConfigError } from "./errors";
import { connectRedis } from "./redis";
import { ALL_ROLES, startValidator } from "./validator";
import type { Role, RunningValidator } from "./validator";
import { ConsensusWeightsChain } from "./weights/consensus";

/** Every setting of `noos validator start`: flags > NOOS_<KEY> environment > --config file > these. */
export const VALIDATOR_DEFAULTS = {
  netuid: -1,
  key: "",
  password: undefined as string | undefined,
  redis: "redis://127.0.0.1:6379",
  redisPrefix: undefined as string | undefined,
  rpc: "http://127.0.0.1:8545",
  model: undefined as string | undefined,
  roles: ALL_ROLES.join(","),
  probeInterval: 12_000,
  probeTimeout: 10_000,
  probeConcurrency: 16,
  scoreConcurrency: 8,
  epochCheck: 2_000,
  maxResponseBytes: 1024 * 1024,
  allowPrivateAxons: false,
  emaAlpha: 0.1,
  lockDuration: 30_000,
  keeper: false,
  http: true,
  host: "127.0.0.1",
  port: 9464,
};

export type ValidatorSettings = typeof VALIDATOR_DEFAULTS;

/** Resolves the settings from flags, environment and an optional JSON file, and checks them. */
export function resolveValidatorSettings(
  flags: Partial<Record<keyof ValidatorSettings, ConfigValue>>,
  file?: string,
  env: NodeJS.ProcessEnv = process.env,
): ValidatorSettings {
  const s = resolveConfig(VALIDATOR_DEFAULTS as Record<string, ConfigValue>, { flags, env, file }) as ValidatorSettings;
  if (!Number.isInteger(s.netuid) || s.netuid < 0 || s.netuid > 65_535) {
    throw new ValidatorConfigError("--netuid <n> is required: the subnet to validate");
  }
  if (!s.key)
    throw new ValidatorConfigError(
      "--key <keystore> is required: the validator's hotkey (create one with 'noos wallet new')",
    );
  for (const [name, value] of [
    ["--probe-interval", s.probeInterval],
    ["--probe-timeout", s.probeTimeout],
    ["--probe-concurrency", s.probeConcurrency],
    ["--score-concurrency", s.scoreConcurrency],
    ["--epoch-check", s.epochCheck],
    ["--max-response-bytes", s.maxResponseBytes],
    ["--lock-duration", s.lockDuration],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0)
      throw new ValidatorConfigError(`${name} takes a positive whole number, got ${value}`);
  }
  if (!(s.emaAlpha > 0 && s.emaAlpha <= 1))
    throw new ValidatorConfigError(`--ema-alpha must be in (0, 1], got ${s.emaAlpha}`);
  parseRoles(s.roles);
  return s;
}

export function parseRoles(list: string): Role[] {
  const roles = list
    .split(",")
    .map((r) => r.trim())
    .filter(Boolean);
  const unknown = roles.filter((r) => !(ALL_ROLES as readonly string[]).includes(r));
  if (roles.length === 0 || unknown.length > 0) {
    throw new ValidatorConfigError(`--roles takes a comma-separated list of ${ALL_ROLES.join(", ")}; got "${list}"`);
  }
  return roles as Role[];
}

/**
 * Opens the key, the chain (and its deployment) and starts the validator with these settings.
 * Errors a user can fix are RedisUnavailableError, ValidatorConfigError, KeystoreError,
 * ChainConnectionError and DeploymentNotFoundError, each saying what to do.
 */
export async function launchValidator(s: ValidatorSettings, logger: Logger): Promise<RunningValidator> {
  // Redis first: it is the validator's own requirement, and the error says how to get one.
  (await connectRedis(s.redis, { logger })).disconnect();
  const wallet = await loadKeystore(s.key, s.password);
  const { provider: probe, chainId } = await connectRpc(s.rpc);
  probe.destroy();
  // cacheTimeout -1: a nonce read right after a transaction must not come from ethers' 250 ms cache.
  const provider = new JsonRpcProvider(s.rpc, chainId, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const deployment = loadDeployment(chainId);
    const { subnets, consensus } = deployment.contracts;
    if (!subnets) throw new ValidatorConfigError(`the deployment of chain ${chainId} has no subnet registry`);
    const weightsChain = consensus
      ? new ConsensusWeightsChain({ provider, consensus, subnets, netuid: s.netuid, hotkey: wallet.address })
      : undefined;
    const running = await startValidator({
      netuid: s.netuid,
      wallet,
      provider,
      chainId,
      subnets,
      weightsChain,
      redisUrl: s.redis,
      prefix: s.redisPrefix,
      roles: parseRoles(s.roles),
      model: s.model,
      probeIntervalMs: s.probeInterval,
      probeTimeoutMs: s.probeTimeout,
      probeConcurrency: s.probeConcurrency,
      scoreConcurrency: s.scoreConcurrency,
      epochCheckMs: s.epochCheck,
      maxResponseBytes: s.maxResponseBytes,
      allowPrivateAxons: s.allowPrivateAxons,
      emaAlpha: s.emaAlpha,
      lockDurationMs: s.lockDuration,
      stalledIntervalMs: Math.max(1_000, Math.round(s.lockDuration / 2)),
      keeper: s.keeper,
      http: s.http ? { host: s.host, port: s.port } : false,
      logger,
    });
    const close = running.close;
    return {
      ...running,
      close: async () => {
        await close();
        provider.destroy();
      },
    };
  } catch (err) {
    provider.destroy();
    throw err;
  }
}
