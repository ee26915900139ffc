import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * A Lua script run by its sha1 (EVALSHA), loaded on first use or after Redis forgot it (NOSCRIPT,
 * e.g. after a restart): one small round trip per call instead of sending the source each time.
 */
export class RedisScript {
  readonly sha: string;

  constructor(
    readonly source: string,
    readonly numKeys: number,
  ) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    if (keys.length !== this.numKeys) throw new Error(`script takes ${this.numKeys} keys, got ${keys.length}`);
    try {
      return await redis.evalsha(this.sha, this.numKeys, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).startsWith("NOSCRIPT")) throw err;
      return redis.eval(this.source, this.numKeys, ...keys, ...args);
    }
  }
}
