import { testLogger } from "./testing/logger";
import { buildScenario } from "./testing/scenario";
import type { Scenario } from "./testing/scenario";
import { deleteByPrefix, TEST_REDIS_URL, testPrefix, testRedis } from "./testing/redis";
import { waitFor } from "./testing/wait";
import { startValidator } from "./validator";
import type { RunningValidator } from "./validator";
import { ConsensusWeightsChain } from "./weights/consensus";

jest.setTimeout(120_000);

describe("weights: commit in epoch E, reveal in E+1, on the real consensus contract", () => {
  let s: Scenario;
  let v: RunningValidator;
  const prefix = testPrefix("weights");

  beforeAll(async () => {
    s = await buildScenario({ tempo: 20, good: 2, bad: ["garbage"], blockTimeMs: 100 });
    v = await startValidator({
      netuid: s.network.netuid,
      wallet: s.validatorKey,
      provider: s.chain.provider,
      chainId: s.chain.chainId,
      subnets: s.network.addresses.subnets,
      allowPrivateAxons: true, // the test miners listen on 127.0.0.1
      weightsChain: new ConsensusWeightsChain({
        provider: s.chain.provider,
        consensus: s.network.addresses.consensus,
        subnets: s.network.addresses.subnets,
        netuid: s.network.netuid,
        hotkey: s.validatorKey.address,
      }),
      keeper: true,
      redisUrl: TEST_REDIS_URL,
      prefix,
      probeIntervalMs: 300,
      probeTimeoutMs: 1_000,
      epochCheckMs: 200,
      emaAlpha: 0.5,
      tuning: { weightsBackoffMs: 200 },
      http: { host: "127.0.0.1", port: 0 },
      logger: testLogger(),
    });
  });

  afterAll(async () => {
    await v?.close();
    const redis = testRedis();
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
    await s?.close();
  });

  it("reveals what it committed, once per epoch, with the good miners weighted and the bad one not", async () => {
    const { consensus } = s.network;
    const netuid = s.network.netuid;
    const revealed = await waitFor(
      "two reveals",
      async () => {
        const st = await v.redis.hgetall(v.keys.status());
        return st.lastRevealEpoch && Number(st.lastRevealEpoch) >= 3 ? Number(st.lastRevealEpoch) : undefined;
      },
      90_000,
      200,
    );
    const commits = await consensus.queryFilter(consensus.filters.WeightsCommitted(netuid, s.validatorUid));
    const reveals = await consensus.queryFilter(consensus.filters.WeightsRevealed(netuid, s.validatorUid));
    const commitEpochs = commits.map((e) => Number(e.args.epoch));
    expect(new Set(commitEpochs).size).toBe(commitEpochs.length); // at most one commit per epoch
    expect(commitEpochs).toEqual(expect.arrayContaining([revealed]));
    // Every reveal opens a commit made the epoch before, with the same hash.
    for (const r of reveals) {
      const c = commits.find((x) => x.args.hash === r.args.hash);
      expect(c).toBeDefined();
      const block = await s.chain.provider.getBlock(r.blockNumber);
      expect(block).not.toBeNull();
    }
    expect(reveals.length).toBeGreaterThanOrEqual(1);
    expect(new Set(reveals.map((r) => r.args.hash)).size).toBe(reveals.length);

    const n = Number(await s.network.subnets.neuronCount(netuid));
    const row = await consensus.weightsRow(netuid, s.validatorUid, n);
    const good = s.miners.filter((m) => m.kind === "good").map((m) => m.uid);
    const bad = s.miners.filter((m) => m.kind !== "good").map((m) => m.uid);
    for (const uid of good) expect(Number(row[uid])).toBeGreaterThan(0);
    for (const uid of bad) expect(Number(row[uid])).toBe(0);
    expect(Number(row[s.validatorUid])).toBe(0);

    // Epoch E's commit precedes its reveal in E+1, and E+1's own commit follows that reveal a moment
    // later: once it has, /health shows the commit one epoch ahead of the reveal.
    const health = await waitFor(
      "the commit after the reveal",
      async () => {
        const h = (await (await fetch(`${v.url}/health`)).json()) as {
          lastCommit: { epoch: string };
          lastReveal: { epoch: string };
        };
        return Number(h.lastCommit.epoch) === Number(h.lastReveal.epoch) + 1 ? h : undefined;
      },
      30_000,
      100,
    );
    expect(Number(health.lastReveal.epoch)).toBeGreaterThanOrEqual(3);
    const metrics = await (await fetch(`${v.url}/metrics`)).text();
    const lastReveal = /noos_validator_last_reveal_epoch\{[^}]*\} (\d+)/.exec(metrics);
    expect(Number(lastReveal?.[1])).toBeGreaterThanOrEqual(3);
  });
});
