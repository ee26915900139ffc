import { testPrefix as prefixFor, testRedisClient } from "@noosphere/testkit/redis";
import type { Redis } from "ioredis";

export { TEST_REDIS_URL, deleteByPrefix } from "@noosphere/testkit/redis";

/** A hash-tagged prefix under the validator's namespace that no other test uses. */
export function testPrefix(label: string): string {
  return prefixFor("val", label);
}

/** A connection as BullMQ's workers need it (no retry limit per request). */
export function testRedis(): Redis {
  return testRedisClient({ maxRetriesPerRequest: null });
}
