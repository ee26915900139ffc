import { silentLogger } from "@noosphere/node-kit";
import { RedisUnavailableError } from "./errors";
import { QUEUE_NAMES } from "./queues";
import { buildScenario } from "./testing/scenario";
import type { Scenario } from "./testing/scenario";
import { deleteByPrefix, TEST_REDIS_URL, testPrefix, testRedis } from "./testing/redis";
import { waitFor } from "./testing/wait";
import { startValidator } from "./validator";
import type { RunningValidator } from "./validator";

describe("validator pipeline on a real chain, real miners and Redis", () => {
  let s: Scenario;
  const uids: Record<string, number> = {};
  let v: RunningValidator;
  const prefix = testPrefix("pipeline");

  beforeAll(async () => {
    s = await buildScenario({ tempo: 1_000, good: 2, bad: ["hang", "garbage", "huge"] });
    s.miners.forEach((m, i) => (uids[`${m.kind}${i}`] = m.uid));
    v = await startValidator({
      netuid: s.network.netuid,
      wallet: s.validatorKey,
      provider: s.chain.provider,
      chainId: s.chain.chainId,
      subnets: s.network.addresses.subnets,
      redisUrl: TEST_REDIS_URL,
      prefix,
      probeIntervalMs: 400,
      probeTimeoutMs: 1_000,
      maxResponseBytes: 256 * 1024,
      allowPrivateAxons: true, // the test miners listen on 127.0.0.1
      tuning: { probeAttempts: 2, probeBackoffMs: 100 },
      lockDurationMs: 5_000,
      stalledIntervalMs: 2_000,
      http: { host: "127.0.0.1", port: 0 },
      logger: silentLogger(),
    });
  });

  afterAll(async () => {
    await v?.close();
    const redis = testRedis();
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
    await s?.close();
  });

  async function idle(): Promise<boolean> {
    for (const name of ["probe", "score"] as const) {
      const c = await v.queues.queues[name].getJobCounts(
        "waiting",
        "active",
        "delayed",
        "waiting-children",
        "prioritized",
      );
      if (Object.values(c).some((n) => n > 0)) return false;
    }
    return true;
  }

  it("probes every miner each round and scores each probe exactly once: good miners up, bad ones 0", async () => {
    const good = [uids.good0, uids.good1] as number[];
    const bad = [uids.hang2, uids.garbage3, uids.huge4] as number[];
    await waitFor(
      "three scored rounds for every miner",
      async () => {
        const snap = await v.aggregator.snapshot(7);
        return [...good, ...bad].every((uid) => (snap[uid]?.count ?? 0) >= 3);
      },
      60_000,
    );
    await v.queues.queues.schedule.removeJobScheduler("round");
    await waitFor("the pipeline to drain", idle, 30_000);

    const redis = testRedis();
    const rounds: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(
        cursor,
        "MATCH",
        `${prefix.replace(/[{}]/g, (c) => `\\${c}`)}:challenge:*`,
        "COUNT",
        1000,
      );
      cursor = next;
      rounds.push(...keys);
    } while (cursor !== "0");
    redis.disconnect();
    const epochs = new Set(
      await Promise.all(rounds.map(async (k) => JSON.parse((await v.redis.get(k)) as string).epoch as string)),
    );
    let applied = 0;
    for (const e of epochs)
      applied += Object.values(await v.aggregator.appliedIn(BigInt(e))).reduce((a, b) => a + b, 0);
    expect(applied).toBe(rounds.length * 5);

    const scores = await v.aggregator.snapshot(7);
    for (const uid of [...good, ...bad]) expect(scores[uid]?.count).toBe(rounds.length);
    for (const uid of good) expect(scores[uid]!.ema).toBeGreaterThan(0.1 * 0.5);
    for (const uid of bad) expect(scores[uid]!.ema).toBe(0);
    expect(scores[0]).toBeUndefined(); // the validator itself is never probed

    const failed = await v.queues.queues.score.getJobCounts("failed");
    expect(failed.failed).toBe(0);
  });

  it("adds nothing when a round is made again (same ids), so nothing is counted twice", async () => {
    const before = await v.aggregator.snapshot(7);
    const applied = await v.redis.keys(`${prefix}:applied:*`);
    const slotKey = (await v.redis.keys(`${prefix}:challenge:*`))[0] as string;
    const record = JSON.parse((await v.redis.get(slotKey)) as string) as { slot: number };
    await v.pipeline.createRound(record.slot * 400 + 10);
    await waitFor("the pipeline to drain", idle, 20_000);
    expect(await v.aggregator.snapshot(7)).toEqual(before);
    expect(await v.redis.keys(`${prefix}:applied:*`)).toEqual(applied);
  });

  it("serves /health and /metrics", async () => {
    const health = await fetch(`${v.url}/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: "ok",
      redis: "ok",
      netuid: s.network.netuid,
      task: "text-generation",
      lastCommit: null,
    });
    expect(Object.keys(body.jobs as object).sort()).toEqual([...QUEUE_NAMES].sort());
    const metrics = await (await fetch(`${v.url}/metrics`)).text();
    expect(metrics).toMatch(/noos_validator_probes_total\{outcome="ok"[^}]*\} \d+/);
    expect(metrics).toMatch(/noos_validator_probes_total\{outcome="timeout"/);
    expect(metrics).toMatch(/noos_validator_probes_total\{outcome="garbage"/);
    expect(metrics).toMatch(/noos_validator_probes_total\{outcome="oversize"/);
    expect(metrics).toMatch(/noos_validator_jobs\{queue="score",state="completed"/);
    expect(metrics).toMatch(new RegExp(`noos_validator_miner_score\\{uid="${uids.good0}"`));
    expect(metrics).toMatch(/noos_validator_probe_seconds_bucket/);
  });

  it("refuses to start without Redis, saying so", async () => {
    const err = await startValidator({
      netuid: s.network.netuid,
      wallet: s.validatorKey,
      provider: s.chain.provider,
      chainId: s.chain.chainId,
      subnets: s.network.addresses.subnets,
      redisUrl: "redis://127.0.0.1:1",
      logger: silentLogger(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisUnavailableError);
    expect((err as Error).message).toMatch(/needs Redis.*redis:\/\/127\.0\.0\.1:1.*--redis/);
  });
});
