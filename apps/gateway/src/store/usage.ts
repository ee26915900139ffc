import type { Redis } from "ioredis";
import type { Keyspace } from "./keyspace";
import { BIGDEC_LUA } from "./lua";
import { RedisScript } from "./script";

/** What one API key has used, all time. */
export interface KeyUsage {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** NOOS wei charged to the gateway's escrow for this key's answered requests. */
  charged: bigint;
  lastUsedAt?: number; // unix ms
}

export interface UsageEntry {
  promptTokens: number;
  completionTokens: number;
  charged: bigint;
}

const RECORD = new RedisScript(
  `${BIGDEC_LUA}
redis.call('HINCRBY', KEYS[1], 'requests', 1)
redis.call('HINCRBY', KEYS[1], 'promptTokens', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'completionTokens', ARGV[2])
local charged = dadd(dnorm(redis.call('HGET', KEYS[1], 'charged')), dnorm(ARGV[3]))
redis.call('HSET', KEYS[1], 'charged', charged, 'lastUsedAt', ARGV[4])
return charged
`,
  1,
);

/** Usage counters per API key; the charged amount is exact (decimal wei, added in Lua). */
export class UsageStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
  ) {}

  async record(keyId: string, entry: UsageEntry): Promise<void> {
    await RECORD.run(
      this.redis,
      [this.keys.usage(keyId)],
      [entry.promptTokens, entry.completionTokens, entry.charged.toString(), Date.now()],
    );
  }

  async get(keyId: string): Promise<KeyUsage> {
    const raw = await this.redis.hgetall(this.keys.usage(keyId));
    const usage: KeyUsage = {
      requests: Number(raw.requests ?? 0),
      promptTokens: Number(raw.promptTokens ?? 0),
      completionTokens: Number(raw.completionTokens ?? 0),
      charged: BigInt(raw.charged ?? 0),
    };
    if (raw.lastUsedAt) usage.lastUsedAt = Number(raw.lastUsedAt);
    return usage;
  }
}
