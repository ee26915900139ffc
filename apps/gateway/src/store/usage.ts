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

/** ARGV: requests, prompt tokens, completion tokens, charged (decimal wei), last used at. */
const RECORD = new RedisScript(
  `${BIGDEC_LUA}
redis.call('HINCRBY', KEYS[1], 'requests', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'promptTokens', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'completionTokens', ARGV[3])
local charged = dadd(dnorm(redis.call('HGET', KEYS[1], 'charged')), dnorm(ARGV[4]))
redis.call('HSET', KEYS[1], 'charged', charged, 'lastUsedAt', ARGV[5])
return charged
`,
  1,
);

interface Pending {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  charged: bigint;
  lastUsedAt: number;
}

export interface UsageStoreOptions {
  /** Answers are counted in memory and written this often, one round trip for all keys (default 200 ms). */
  flushMs?: number;
}

/**
 * Usage counters per API key; the charged amount is exact (decimal wei, added in Lua). Answers
 * are counted in memory and written in batches, so no request waits on a counter's round trip
 * (money is never batched: the voucher ledger reserves each request's price itself). `get` and
 * `flush` write what is pending first; other processes see counts at most `flushMs` late. A
 * failed write keeps the counts for the next one.
 */
export class UsageStore {
  private pending = new Map<string, Pending>();
  private waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The last batch write: batches are written one after another. */
  private writing: Promise<void> = Promise.resolve();
  private readonly flushMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    opts: UsageStoreOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? 200;
  }

  /** Counts one answered request; resolves once its batch is written. */
  record(keyId: string, entry: UsageEntry): Promise<void> {
    this.add(keyId, {
      requests: 1,
      promptTokens: entry.promptTokens,
      completionTokens: entry.completionTokens,
      charged: entry.charged,
      lastUsedAt: Date.now(),
    });
    this.schedule();
    return new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Writes every pending count now. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    const waiters = this.waiters;
    this.pending = new Map();
    this.waiters = [];
    const done = this.writing.then(() => (batch.size > 0 ? this.write(batch) : undefined));
    this.writing = done.catch(() => undefined);
    done.then(
      () => waiters.forEach((w) => w.resolve()),
      (err: unknown) => {
        waiters.forEach((w) => w.reject(err));
        if (this.pending.size > 0) this.schedule(); // what could not be written is tried again
      },
    );
    return done;
  }

  async get(keyId: string): Promise<KeyUsage> {
    await this.flush();
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

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush().catch(() => undefined), this.flushMs);
    this.timer.unref();
  }

  /** One pipeline for the batch; entries it could not write (NOSCRIPT after a Redis restart) go one by one. */
  private async write(batch: Map<string, Pending>): Promise<void> {
    const args = (p: Pending) => [p.requests, p.promptTokens, p.completionTokens, p.charged.toString(), p.lastUsedAt];
    const pipeline = this.redis.pipeline();
    for (const [keyId, p] of batch) pipeline.evalsha(RECORD.sha, 1, this.keys.usage(keyId), ...args(p));
    let results: [Error | null, unknown][] = [];
    try {
      results = (await pipeline.exec()) ?? [];
    } catch {
      // the connection failed: every entry is retried below
    }
    const failed = [...batch].filter((_, i) => !results[i] || results[i][0]);
    for (let i = 0; i < failed.length; i++) {
      const [keyId, p] = failed[i]!;
      try {
        await RECORD.run(this.redis, [this.keys.usage(keyId)], args(p));
      } catch (err) {
        for (const [k, q] of failed.slice(i)) this.add(k, q); // kept for the next batch
        throw err;
      }
    }
  }

  private add(keyId: string, p: Pending): void {
    const q = this.pending.get(keyId);
    if (!q) {
      this.pending.set(keyId, { ...p });
      return;
    }
    q.requests += p.requests;
    q.promptTokens += p.promptTokens;
    q.completionTokens += p.completionTokens;
    q.charged += p.charged;
    q.lastUsedAt = Math.max(q.lastUsedAt, p.lastUsedAt);
  }
}
