import type { Redis } from "ioredis";
import { UsageStore } from "./usage";
import type { Keyspace } from "./keyspace";
import { testRedis } from "../testing/redis";

describe("usage counters", () => {
  let redis: Redis;
  let keys: Keyspace;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ redis, keys, cleanup } = await testRedis()));
  afterAll(async () => cleanup());

  it("adds requests, tokens and exact NOOS wei beyond 64 bits", async () => {
    const usage = new UsageStore(redis, keys);
    expect(await usage.get("k1")).toEqual({ requests: 0, promptTokens: 0, completionTokens: 0, charged: 0n });
    const big = 7_000_000n * 10n ** 18n + 123n;
    await usage.record("k1", { promptTokens: 10, completionTokens: 20, charged: big });
    await usage.record("k1", { promptTokens: 1, completionTokens: 2, charged: big });
    await usage.record("k2", { promptTokens: 5, completionTokens: 5, charged: 1n });
    const k1 = await usage.get("k1");
    expect(k1).toMatchObject({ requests: 2, promptTokens: 11, completionTokens: 22, charged: 2n * big });
    expect(k1.lastUsedAt).toBeGreaterThan(0);
    expect((await usage.get("k2")).charged).toBe(1n);
  });
});
