import { randomBytes } from "node:crypto";
import IORedis from "ioredis";
import type { Redis } from "ioredis";

/** The Redis the tests use (a real one: 127.0.0.1:6379 unless NOOS_TEST_REDIS says otherwise). */
export const TEST_REDIS_URL = process.env.NOOS_TEST_REDIS ?? "redis://127.0.0.1:6379";

/** A hash-tagged prefix no other test uses, so tests can share one Redis. */
export function testPrefix(label: string): string {
  return `{noos:val:test-${label}-${randomBytes(4).toString("hex")}}`;
}

export function testRedis(): Redis {
  const u = new URL(TEST_REDIS_URL);
  return new IORedis({ host: u.hostname, port: Number(u.port || 6379), maxRetriesPerRequest: null });
}

/** Deletes every key under `prefix` (SCAN, not KEYS). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  const match = `${prefix.replace(/[{}*?[\]]/g, (c) => `\\${c}`)}*`;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", match, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}
