import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { RedisOptions } from "ioredis";

/** The Redis tests use: a real one, 127.0.0.1:6379 unless NOOS_TEST_REDIS_URL (or NOOS_TEST_REDIS) says otherwise. */
export const TEST_REDIS_URL =
  process.env.NOOS_TEST_REDIS_URL ?? process.env.NOOS_TEST_REDIS ?? "redis://127.0.0.1:6379";

/** A hash-tagged key prefix no other test uses (`app`: gw, val, ...), so that tests can share one Redis. */
export function testPrefix(app: string, label = "run"): string {
  return `{noos:${app}:test-${label}-${randomBytes(4).toString("hex")}}`;
}

/** A connection to the test Redis (it connects on first use unless `lazyConnect`). */
export function testRedisClient(options: RedisOptions = {}): Redis {
  return new Redis(TEST_REDIS_URL, options);
}

/** Deletes every key under `prefix` (SCAN, not KEYS; the prefix's glob characters are escaped). */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<void> {
  const match = `${prefix.replace(/[{}*?[\]]/g, (c) => `\\${c}`)}*`;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", match, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}
