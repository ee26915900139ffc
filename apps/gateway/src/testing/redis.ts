import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { Keyspace } from "../store/keyspace";

export const TEST_REDIS_URL = process.env.NOOS_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A real Redis connection and a key prefix unique to this test run; `cleanup` deletes its keys. */
export async function testRedis(): Promise<{ redis: Redis; keys: Keyspace; cleanup: () => Promise<void> }> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const keys = new Keyspace(`{noos:gw:test:${randomBytes(6).toString("hex")}}`);
  return {
    redis,
    keys,
    cleanup: async () => {
      await deleteByPrefix(redis, keys.prefix);
      redis.disconnect();
    },
  };
}

export async function deleteByPrefix(redis: Redis, prefix: string): Promise<void> {
  // SCAN's MATCH treats { and } literally but * ? [ ] specially; the prefix has none of those.
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    cursor = next;
    if (found.length > 0) await redis.del(...found);
  } while (cursor !== "0");
}
