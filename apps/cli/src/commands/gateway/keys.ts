import { Command } from "commander";
import { formatEther } from "ethers";
import type { ApiKeyStore, UsageStore } from "@noosphere/gateway";
import { print, printJson, table } from "../../chain/output";
import { UserError } from "../../errors";
import { HELP_DEFAULTS, loadGateway } from "./lazy";

interface RedisFlags {
  redis?: string;
  prefix?: string;
}

function withRedis(cmd: Command): Command {
  return cmd
    .option("--redis <url>", `the gateway's Redis (default NOOS_REDIS_URL, else ${HELP_DEFAULTS.redisUrl})`)
    .option("--prefix <hashtag>", `the gateway's Redis key prefix (default ${HELP_DEFAULTS.redisPrefix})`);
}

/** Opens the gateway's key store for one command and closes Redis afterwards. */
async function withStores<T>(flags: RedisFlags, fn: (keys: ApiKeyStore, usage: UsageStore) => Promise<T>): Promise<T> {
  const { ApiKeyStore, GATEWAY_DEFAULTS, GatewayConfigError, Keyspace, UsageStore, openRedis } = loadGateway();
  const redis = await openRedis(flags.redis ?? process.env.NOOS_REDIS_URL ?? GATEWAY_DEFAULTS.redisUrl).catch(
    (err: unknown) => {
      throw err instanceof GatewayConfigError ? new UserError(err.message) : err;
    },
  );
  try {
    const space = new Keyspace(flags.prefix ?? process.env.NOOS_REDIS_PREFIX ?? GATEWAY_DEFAULTS.redisPrefix);
    return await fn(new ApiKeyStore(redis, space, 0), new UsageStore(redis, space));
  } finally {
    redis.disconnect();
  }
}

function parseRpm(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UserError(`--rpm must be a whole number >= 0 (0 = unlimited), got ${value}`);
  return n;
}

export function gatewayKeysCommand(): Command {
  const keys = new Command("keys").description("API keys of the gateway (stored hashed in its Redis)");

  withRedis(
    keys
      .command("create")
      .description("create an API key; it is printed once and cannot be shown again")
      .requiredOption("--name <name>", "who or what the key is for")
      .option("--rpm <n>", "this key's requests per minute (default: the gateway's --rpm; 0 = unlimited)")
      .option("--json", "print JSON"),
  ).action(async (opts: RedisFlags & { name: string; rpm?: string; json?: boolean }) => {
    const rpm = parseRpm(opts.rpm);
    const created = await withStores(opts, (store) => store.create(opts.name, { rpm }));
    if (opts.json) printJson({ ...created.record, key: created.key });
    else {
      print(created.key);
      process.stderr.write(`key ${created.record.id} (${opts.name}): store it now, it is not shown again\n`);
    }
  });

  withRedis(keys.command("list").description("list API keys with their usage").option("--json", "print JSON")).action(
    async (opts: RedisFlags & { json?: boolean }) => {
      const rows = await withStores(opts, async (store, usage) =>
        Promise.all((await store.list()).map(async (r) => ({ ...r, usage: await usage.get(r.id) }))),
      );
      if (opts.json) {
        printJson(rows);
        return;
      }
      const lines = table(
        ["ID", "NAME", "CREATED", "STATUS", "RPM", "REQUESTS", "TOKENS", "NOOS CHARGED"],
        rows.map((r) => [
          r.id,
          r.name,
          new Date(r.createdAt).toISOString().slice(0, 19) + "Z",
          r.revokedAt ? "revoked" : "active",
          r.rpm === undefined ? "default" : r.rpm === 0 ? "unlimited" : String(r.rpm),
          String(r.usage.requests),
          String(r.usage.promptTokens + r.usage.completionTokens),
          formatEther(r.usage.charged),
        ]),
      );
      for (const line of lines) print(line);
    },
  );

  withRedis(
    keys
      .command("revoke")
      .description("revoke an API key at once (on every gateway sharing the Redis)")
      .argument("<id>", "key id (the part after noos_)"),
  ).action(async (id: string, opts: RedisFlags) => {
    const done = await withStores(opts, (store) => store.revoke(id));
    if (!done) throw new UserError(`no API key with id ${id}: see 'noos gateway keys list'`);
    print(`revoked ${id}`);
  });
  return keys;
}
