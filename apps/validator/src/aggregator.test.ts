import type { Redis } from "ioredis";
import { ScoreAggregator } from "./aggregator";
import { ValidatorKeys } from "./keys";
import { deleteByPrefix, testPrefix, testRedis } from "./testing/redis";

const HOTKEY = "0x00000000000000000000000000000000000000aa";
const OTHER = "0x00000000000000000000000000000000000000bb";

describe("ScoreAggregator", () => {
  let redis: Redis;
  let keys: ValidatorKeys;
  let agg: ScoreAggregator;

  beforeEach(() => {
    redis = testRedis();
    keys = new ValidatorKeys(testPrefix("agg"));
    agg = new ScoreAggregator(redis, keys, { alpha: 0.5, appliedTtlSeconds: 60 });
  });
  afterEach(async () => {
    await deleteByPrefix(redis, keys.prefix);
    redis.disconnect();
  });

  /** A score job's hash key: the applied mark goes there. */
  const jobKey = (id: string) => `${keys.prefix}:score:${id}`;
  const score = (
    jobId: string,
    value: number,
    over: Partial<{ hotkey: string; registeredAt: number; epoch: bigint }> = {},
  ) =>
    agg.apply({
      jobKey: jobKey(jobId),
      epoch: over.epoch ?? 1n,
      uid: 3,
      hotkey: over.hotkey ?? HOTKEY,
      registeredAt: over.registeredAt ?? 10,
      score: value,
      worker: "w1",
    });

  it("keeps an EMA starting from 0: ema = alpha x score + (1 - alpha) x ema", async () => {
    expect(await score("a", 1)).toEqual({ outcome: "new-holder", ema: 0.5 });
    expect(await score("b", 0)).toEqual({ outcome: "applied", ema: 0.25 });
    expect(await score("c", 0.5)).toEqual({ outcome: "applied", ema: 0.375 });
    const [, , , s3] = await agg.snapshot(4);
    expect(s3).toMatchObject({ uid: 3, hotkey: HOTKEY, registeredAt: 10, ema: 0.375, count: 3, last: 0.5 });
  });

  it("applies a job id once however often it runs, concurrently too", async () => {
    await score("a", 1);
    const others = Array.from({ length: 4 }, () => testRedis());
    try {
      const aggs = others.map((r) => new ScoreAggregator(r, keys, { alpha: 0.5, appliedTtlSeconds: 60 }));
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          aggs[i % aggs.length]!.apply({
            jobKey: jobKey("b"),
            epoch: 1n,
            uid: 3,
            hotkey: HOTKEY,
            registeredAt: 10,
            score: 0,
            worker: `w${i}`,
          }),
        ),
      );
      expect(results.filter((r) => r.outcome === "applied")).toHaveLength(1);
      expect(results.filter((r) => r.outcome === "duplicate")).toHaveLength(39);
    } finally {
      others.forEach((r) => r.disconnect());
    }
    const [s] = (await agg.snapshot(4)).slice(3);
    expect(s).toMatchObject({ ema: 0.25, count: 2 });
    const applied = await agg.appliedIn(1n);
    expect(Object.values(applied).reduce((a, b) => a + b, 0)).toBe(2);
    expect(applied.w1).toBe(1);
    expect(await redis.hget(jobKey("b"), "noosApplied")).toMatch(/^w\d+$/);
    expect(await redis.ttl(keys.applied(1n))).toBeGreaterThan(0);
  });

  it("starts over for a new holder of the UID and ignores scores of an older one", async () => {
    await score("a", 1);
    await score("b", 1);
    expect(await score("c", 1, { hotkey: OTHER, registeredAt: 20 })).toEqual({ outcome: "new-holder", ema: 0.5 });
    expect(await score("d", 1, { hotkey: HOTKEY, registeredAt: 10 })).toEqual({ outcome: "stale", ema: 0.5 });
    // The same hotkey registering again later is a new holder too.
    expect(await score("e", 0, { hotkey: OTHER, registeredAt: 30 })).toEqual({ outcome: "new-holder", ema: 0 });
    const [s] = (await agg.snapshot(4)).slice(3);
    expect(s).toMatchObject({ hotkey: OTHER, registeredAt: 30, count: 1 });
  });

  it("refuses a job key outside the validator's prefix (it would not be in the same cluster slot)", async () => {
    await expect(
      agg.apply({
        jobKey: "{other}:score:x",
        epoch: 1n,
        uid: 0,
        hotkey: HOTKEY,
        registeredAt: 1,
        score: 1,
        worker: "w",
      }),
    ).rejects.toThrow(/not under/);
  });

  it("refuses scores outside [0, 1] and alphas outside (0, 1]", async () => {
    await expect(score("x", 1.5)).rejects.toThrow(RangeError);
    await expect(score("y", Number.NaN)).rejects.toThrow(RangeError);
    expect(() => new ScoreAggregator(redis, keys, { alpha: 0, appliedTtlSeconds: 1 })).toThrow(RangeError);
  });
});
