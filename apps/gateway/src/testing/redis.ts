import { deleteByPrefix, testPrefix, testRedisClient } from "@noosphere/testkit/redis";
import type { Redis } from "ioredis";
import { Keyspace } from "../store/keyspace";

export { TEST_REDIS_URL, deleteByPrefix } from "@noosphere/testkit/redis";

/** A real Redis connection and a keyspace unique to this test run; `cleanup` deletes its keys. */
export async function testRedis(): Promise<{ redis: Redis; keys: Keyspace; cleanup: () => Promise<void> }> {
  const redis = testRedisClient({ lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const keys = new Keyspace(testPrefix("gw"));
  return {
    redis,
    keys,
    cleanup: async () => {
      await deleteByPrefix(redis, keys.prefix);
      redis.disconnect();
    },
  };
}
