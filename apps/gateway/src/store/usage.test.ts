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

  it("counts answers in memory and writes them in one batch, which every record awaits", async () => {
    const usage = new UsageStore(redis, keys, { flushMs: 60_000 });
    const recorded = Array.from({ length: 90 }, (_, i) =>
      usage.record(`b${i % 3}`, { promptTokens: 1, completionTokens: 2, charged: BigInt(i) }),
    );
    // Nothing is written before the batch goes...
    expect(await redis.exists(keys.usage("b0"), keys.usage("b1"), keys.usage("b2"))).toBe(0);
    await usage.flush();
    await Promise.all(recorded);
    // ...and then all of it, exactly.
    for (let k = 0; k < 3; k++) {
      const expected = Array.from({ length: 30 }, (_, j) => BigInt(3 * j + k)).reduce((a, b) => a + b, 0n);
      expect(await usage.get(`b${k}`)).toMatchObject({
        requests: 30,
        promptTokens: 30,
        completionTokens: 60,
        charged: expected,
      });
    }
  });

  it("writes on its own after flushMs, and reads what is pending", async () => {
    const usage = new UsageStore(redis, keys, { flushMs: 20 });
    const done = usage.record("t1", { promptTokens: 3, completionTokens: 4, charged: 5n });
    await done;
    expect(await redis.hget(keys.usage("t1"), "requests")).toBe("1");
    void usage.record("t1", { promptTokens: 1, completionTokens: 1, charged: 1n }).catch(() => undefined);
    expect(await usage.get("t1")).toMatchObject({ requests: 2, charged: 6n });
  });

  it("writes a batch again after Redis forgot its script (NOSCRIPT)", async () => {
    const usage = new UsageStore(redis, keys, { flushMs: 60_000 });
    await redis.script("FLUSH");
    const done = usage.record("n1", { promptTokens: 1, completionTokens: 1, charged: 9n });
    await usage.flush();
    await done;
    expect(await usage.get("n1")).toMatchObject({ requests: 1, charged: 9n });
  });
});
