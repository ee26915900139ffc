/**
 * The validator's speed, measured through the whole pipeline on this machine:
 *
 *   1. Scored probes per second, and per CPU-second of the validator process: `noos validator
 *      start` (a separate process, all roles) against honest miners serving the real noos-tiny
 *      model, rounds offered faster than it can score them; counted from the applied scores in
 *      Redis and the process's CPU time (/proc/<pid>/stat).
 *   2. Time from an epoch's start on-chain to the validator's reveal of the previous epoch's
 *      weights (wall clock and blocks), over a few epochs.
 *
 * `npx tsx apps/validator/bench/pipeline.bench.ts` (needs Redis at 127.0.0.1:6379 or NOOS_TEST_REDIS).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { saveDeployment } from "@noosphere/contracts";
import { saveKeystore } from "@noosphere/node-kit";
import { LedgerReader } from "../src/testing/ledger";
import { spawnValidator } from "../src/testing/process";
import type { ValidatorProcess } from "../src/testing/process";
import { deleteByPrefix, TEST_REDIS_URL, testPrefix, testRedis } from "../src/testing/redis";
import { silentLogger } from "@noosphere/node-kit";
import { startValidator as startInProcessValidator } from "../src/validator";
import type { Role, RunningValidator } from "../src/validator";
import { buildScenario } from "../src/testing/scenario";
import type { Scenario } from "../src/testing/scenario";
import { waitFor } from "../src/testing/wait";

export interface PipelineBenchRow {
  name: string;
  value: number;
  unit: string;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the full line: 12 and 13 after "pid (comm) ".
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Main process and its children (tsx runs the CLI in a child node process). */
function treeCpuSeconds(pid: number): number {
  let total = cpuSeconds(pid);
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    const children = fs.readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
    for (const child of children ? children.split(" ") : []) total += treeCpuSeconds(Number(child));
  }
  return total;
}

async function prepare(s: Scenario): Promise<{ dir: string; keyFile: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-bench-"));
  const keyFile = path.join(dir, "validator.json");
  await saveKeystore(keyFile, s.validatorKey, "pw", { light: true });
  process.env.NOOS_DEPLOYMENTS_DIR = dir;
  const a = s.network.addresses;
  saveDeployment({
    chainId: s.chain.chainId,
    deployedAtBlock: 0,
    contracts: {
      token: a.token,
      emission: a.emission,
      staking: a.staking,
      subnets: a.subnets,
      consensus: a.consensus,
      billing: a.billing,
      models: a.models,
    } as never,
  });
  return { dir, keyFile };
}

function startValidator(s: Scenario, dir: string, keyFile: string, prefix: string, extra: string[]): ValidatorProcess {
  return spawnValidator(
    [
      "--netuid",
      String(s.network.netuid),
      "--key",
      keyFile,
      "--rpc",
      s.chain.rpcUrl,
      "--redis",
      TEST_REDIS_URL,
      "--redis-prefix",
      prefix,
      "--port",
      "0",
      ...extra,
    ],
    { NOOS_DEPLOYMENTS_DIR: dir, NOOS_KEY_PASSWORD: "pw" },
  );
}

/**
 * Scored probes per second (wall) and per CPU-second of the worker process. The bench process
 * makes `rounds` rounds at once (challenge + one flow per miner, as the scheduler does); a
 * `noos validator start --roles probe,score` process probes, grades and aggregates them all.
 */
export async function throughputRows(opts: { miners?: number; rounds?: number } = {}): Promise<PipelineBenchRow[]> {
  const miners = opts.miners ?? 4;
  const rounds = opts.rounds ?? 100;
  const s = await buildScenario({ tempo: 100_000, good: miners });
  const { dir, keyFile } = await prepare(s);
  const prefix = testPrefix("bench");
  const ledger = new LedgerReader(TEST_REDIS_URL, prefix);
  const maker = await startInProcess(s, prefix, ["schedule"]);
  const worker = startValidator(s, dir, keyFile, prefix, [
    "--roles",
    "probe,score",
    "--probe-timeout",
    "30000",
    "--probe-concurrency",
    "16",
    "--score-concurrency",
    "16",
  ]);
  try {
    await maker.queues.queues.schedule.removeJobScheduler("round");
    await worker.url;
    const epoch = (await maker.pipeline.opts.epochs.current()).epoch;
    const interval = 3_600_000; // the maker's probe interval: one slot per round below
    const slot0 = Math.floor(Date.now() / interval);
    // Warm-up round (connections, JIT), not counted.
    await maker.pipeline.createRound(slot0 * interval);
    await waitFor("the warm-up round", async () => (await ledger.appliedCount(epoch)) >= miners, 60_000, 20);
    const c0 = treeCpuSeconds(worker.pid);
    const t0 = performance.now();
    for (let r = 1; r <= rounds; r++) await maker.pipeline.createRound((slot0 + r) * interval);
    const made = performance.now() - t0;
    await waitFor(
      "every probe scored",
      async () => (await ledger.appliedCount(epoch)) >= (rounds + 1) * miners,
      300_000,
      20,
    );
    const wall = (performance.now() - t0) / 1000;
    const cpu = treeCpuSeconds(worker.pid) - c0;
    const probes = rounds * miners;
    return [
      {
        name: `scored probes per second (${rounds} rounds x ${miners} noos-tiny miners, ${os.cpus().length} cores shared with the miners)`,
        value: probes / wall,
        unit: "probes/s",
      },
      {
        name: "scored probes per CPU-second of the probe+score worker process",
        value: probes / cpu,
        unit: "probes/cpu-s",
      },
      {
        name: "rounds made per second (challenge with a reference run, flows queued)",
        value: rounds / (made / 1000),
        unit: "rounds/s",
      },
    ];
  } finally {
    await worker.kill("SIGKILL");
    await maker.close();
    await cleanup(prefix);
    await ledger.close();
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function startInProcess(s: Scenario, prefix: string, roles: Role[]): Promise<RunningValidator> {
  return startInProcessValidator({
    netuid: s.network.netuid,
    wallet: s.validatorKey,
    provider: s.chain.provider,
    chainId: s.chain.chainId,
    subnets: s.network.addresses.subnets,
    redisUrl: TEST_REDIS_URL,
    prefix,
    roles,
    probeIntervalMs: 3_600_000,
    http: false,
    logger: silentLogger(),
  });
}

async function cleanup(prefix: string): Promise<void> {
  const redis = testRedis();
  await deleteByPrefix(redis, prefix);
  redis.disconnect();
}

/** Time from an epoch's start to the reveal of the previous epoch's commit. */
export async function revealLatencyRows(
  opts: { epochs?: number; blockTimeMs?: number; tempo?: number } = {},
): Promise<PipelineBenchRow[]> {
  const epochs = opts.epochs ?? 4;
  const blockTimeMs = opts.blockTimeMs ?? 250;
  const tempo = opts.tempo ?? 20;
  const s = await buildScenario({ tempo, good: 2, blockTimeMs });
  const { dir, keyFile } = await prepare(s);
  const prefix = testPrefix("bench-epoch");
  const ledger = new LedgerReader(TEST_REDIS_URL, prefix);
  const v = startValidator(s, dir, keyFile, prefix, ["--keeper", "--probe-interval", "500", "--epoch-check", "250"]);
  const { consensus } = s.network;
  const netuid = s.network.netuid;
  const wall: number[] = [];
  const blocks: number[] = [];
  try {
    await v.url;
    // Wait for the first commit, then time each following epoch start -> reveal of the commit before it.
    const first = await waitFor(
      "a first commit",
      async () => {
        const e = (await ledger.status()).lastCommitEpoch;
        return e ? Number(e) : undefined;
      },
      120_000,
      50,
    );
    for (let e = first + 1; wall.length < epochs; e++) {
      const started = await waitFor(
        `epoch ${e} to start`,
        async () => ((await consensus.epochStatus(netuid)).number >= BigInt(e) ? performance.now() : undefined),
        120_000,
        10,
      );
      const startBlock = Number((await consensus.epochStatus(netuid)).startBlock);
      const revealedAt = await waitFor(
        `the reveal of epoch ${e - 1}`,
        async () => {
          const st = await ledger.status();
          return Number(st.lastRevealEpoch ?? -1) >= e - 1
            ? { t: performance.now(), block: Number(st.lastRevealBlock) }
            : undefined;
        },
        120_000,
        10,
      );
      wall.push(revealedAt.t - started);
      blocks.push(revealedAt.block - startBlock);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    return [
      {
        name: `epoch start -> weights revealed, median of ${epochs} (block ${blockTimeMs} ms, --epoch-check 250)`,
        value: median(wall),
        unit: "ms",
      },
      { name: "epoch start -> weights revealed, worst", value: Math.max(...wall), unit: "ms" },
      { name: "epoch start -> weights revealed, median", value: median(blocks), unit: "blocks" },
    ];
  } finally {
    await v.kill("SIGKILL");
    await cleanup(prefix);
    await ledger.close();
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void (async () => {
    const rows = [...(await throughputRows()), ...(await revealLatencyRows())];
    const width = Math.max(...rows.map((r) => r.name.length));
    for (const r of rows)
      console.log(`${r.name.padEnd(width)}  ${r.value.toFixed(r.value < 10 ? 2 : 0).padStart(8)} ${r.unit}`);
    process.exit(0);
  })().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
