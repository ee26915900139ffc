/**
 * Fault tests: real validator processes (`noos validator start`), real Redis, real miners and a
 * real chain. kill -9 mid-epoch, a Redis restart, misbehaving miners, two processes sharing work.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { saveKeystore } from "@noosphere/node-kit";
import { saveDeployment } from "@noosphere/contracts";
import type { Scenario } from "./testing/scenario";
import { buildScenario } from "./testing/scenario";
import { LedgerReader } from "./testing/ledger";
import type { Ledger } from "./testing/ledger";
import { startRedisServer } from "@noosphere/testkit/redis-server";
import type { RedisServer } from "@noosphere/testkit/redis-server";
import { spawnValidator } from "./testing/process";
import type { ValidatorProcess } from "./testing/process";
import { TEST_REDIS_URL, testPrefix } from "./testing/redis";
import { waitFor } from "./testing/wait";

jest.setTimeout(120_000);

const MINERS = 5; // 2 honest, then hang, garbage, huge

describe("validator under faults (real processes, Redis, miners and chain)", () => {
  let s: Scenario;
  let dir: string;
  let keyFile: string;
  const procs: ValidatorProcess[] = [];
  const readers: LedgerReader[] = [];
  let redisServer: RedisServer | undefined;

  beforeAll(async () => {
    s = await buildScenario({ tempo: 30, good: 2, bad: ["hang", "garbage", "huge"], blockTimeMs: 100 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-validator-"));
    keyFile = path.join(dir, "validator.json");
    await saveKeystore(keyFile, s.validatorKey, "pw", { light: true });
    process.env.NOOS_DEPLOYMENTS_DIR = dir;
    saveDeployment({
      chainId: s.chain.chainId,
      deployedAtBlock: 0,
      contracts: {
        token: s.network.addresses.token,
        emission: s.network.addresses.emission,
        staking: s.network.addresses.staking,
        subnets: s.network.addresses.subnets,
        consensus: s.network.addresses.consensus,
      } as never,
    });
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill("SIGKILL")));
    await Promise.all(readers.map((r) => r.close()));
    await redisServer?.stop();
    await s?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function start(redisUrl: string, prefix: string, extra: string[] = []): ValidatorProcess {
    const p = spawnValidator(
      [
        "--netuid",
        String(s.network.netuid),
        "--key",
        keyFile,
        "--rpc",
        s.chain.rpcUrl,
        "--redis",
        redisUrl,
        "--redis-prefix",
        prefix,
        "--probe-interval",
        "500",
        "--probe-timeout",
        "1000",
        "--max-response-bytes",
        "262144",
        "--epoch-check",
        "200",
        "--lock-duration",
        "3000",
        "--port",
        "0",
        ...extra,
      ],
      { NOOS_DEPLOYMENTS_DIR: dir, NOOS_KEY_PASSWORD: "pw" },
    );
    procs.push(p);
    return p;
  }

  function reader(redisUrl: string, prefix: string): LedgerReader {
    const r = new LedgerReader(redisUrl, prefix);
    readers.push(r);
    return r;
  }

  /** Every round's probe was scored exactly once: (round, miner) applications in all and per miner, none failed. */
  function expectExactlyOnce(l: Ledger): void {
    expect(l.rounds.length).toBeGreaterThan(0);
    expect(l.appliedTotal).toBe(l.rounds.length * MINERS);
    expect(l.failedScoreJobs).toBe(0);
    for (const m of s.miners) {
      const sc = l.scores.get(m.uid);
      expect(sc?.count).toBe(l.rounds.length);
      if (m.kind === "good") expect(sc!.ema).toBeGreaterThan(0);
      else expect(sc!.ema).toBe(0); // hang, garbage and huge answers all score 0
    }
  }

  it("kill -9 mid-epoch: after a restart every probe is scored once and the weights are committed and revealed once", async () => {
    const prefix = testPrefix("kill9");
    const ledger = reader(TEST_REDIS_URL, prefix);
    const a = start(TEST_REDIS_URL, prefix, ["--keeper"]);
    await a.url;
    // Kill once A has committed an epoch's weights and while probes are in flight.
    const committed = await waitFor(
      "a first commit",
      async () => {
        const st = await ledger.read().then((l) => l.status);
        return st.lastCommitEpoch ? Number(st.lastCommitEpoch) : undefined;
      },
      60_000,
      100,
    );
    await waitFor(
      "probes in flight",
      async () => ((await ledger.jobCounts("probe", "active")).active ?? 0) > 0,
      10_000,
      20,
    );
    await a.kill("SIGKILL");

    const b = start(TEST_REDIS_URL, prefix, ["--keeper"]);
    await b.url;
    await waitFor(
      "the killed process's commit revealed by the new one",
      async () => {
        const st = (await ledger.read()).status;
        return Number(st.lastRevealEpoch ?? -1) >= committed + 1 ? true : undefined;
      },
      60_000,
      200,
    );
    await ledger.stopAndDrain();
    expectExactlyOnce(await ledger.read());
    expect(b.alive()).toBe(true);

    // On-chain: at most one commit per epoch, and every reveal opens one of those commits once.
    const { consensus } = s.network;
    const commits = await consensus.queryFilter(consensus.filters.WeightsCommitted(s.network.netuid, s.validatorUid));
    const reveals = await consensus.queryFilter(consensus.filters.WeightsRevealed(s.network.netuid, s.validatorUid));
    const epochs = commits.map((c) => Number(c.args.epoch));
    expect(new Set(epochs).size).toBe(epochs.length);
    const hashes = reveals.map((r) => r.args.hash);
    expect(new Set(hashes).size).toBe(hashes.length);
    for (const h of hashes) expect(commits.some((c) => c.args.hash === h)).toBe(true);
    const killedCommit = commits.find((c) => Number(c.args.epoch) === committed);
    expect(killedCommit).toBeDefined();
    expect(hashes).toContain(killedCommit!.args.hash);
    await b.kill("SIGTERM");
  });

  it("Redis restart (appendonly): no score is lost or counted twice, the validator keeps running", async () => {
    redisServer = await startRedisServer();
    const prefix = testPrefix("aof");
    const ledger = reader(redisServer.url, prefix);
    const v = start(redisServer.url, prefix);
    await v.url;
    await waitFor("a few scored rounds", async () => (await ledger.read()).appliedTotal >= 3 * MINERS, 60_000, 100);
    await waitFor(
      "probes in flight",
      async () => ((await ledger.jobCounts("probe", "active")).active ?? 0) > 0,
      10_000,
      20,
    );
    const before = (await ledger.read()).appliedTotal;
    await redisServer.restart(800);
    await waitFor(
      "scoring to go on after the restart",
      async () => (await ledger.read()).appliedTotal >= before + 2 * MINERS,
      60_000,
      200,
    );
    await ledger.stopAndDrain();
    expectExactlyOnce(await ledger.read());
    expect(v.alive()).toBe(true);
    await v.kill("SIGTERM");
  });

  it("two processes sharing Redis split the probes between them", async () => {
    const prefix = testPrefix("split");
    const ledger = reader(TEST_REDIS_URL, prefix);
    const a = start(TEST_REDIS_URL, prefix, ["--probe-concurrency", "2"]);
    const b = start(TEST_REDIS_URL, prefix, ["--probe-concurrency", "2"]);
    const [urlA, urlB] = await Promise.all([a.url, b.url]);
    await waitFor(
      "rounds scored by both processes",
      async () => {
        const l = await ledger.read();
        return Object.keys(l.applied).length >= 2 && l.appliedTotal >= 6 * MINERS;
      },
      60_000,
      200,
    );
    await ledger.stopAndDrain();
    const l = await ledger.read();
    expectExactlyOnce(l);
    expect(Object.values(l.applied).every((n) => n > 0)).toBe(true);
    expect(
      Object.keys(l.applied)
        .map((w) => Number(w.split("-").pop()))
        .sort(),
    ).toEqual([a.pid, b.pid].sort());
    const probed = async (url: string) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return [...text.matchAll(/^noos_validator_probes_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    };
    expect(await probed(urlA)).toBeGreaterThan(0);
    expect(await probed(urlB)).toBeGreaterThan(0);
    await Promise.all([a.kill("SIGTERM"), b.kill("SIGTERM")]);
  });
});
