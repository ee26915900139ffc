/**
 * The devnet's speed and weight: `npx tsx apps/devnet/bench/devnet.bench.ts [--tempo 20] [--sample 30]`.
 *
 * Runs `npm run devnet` as a user does (on an installed and built checkout) and measures
 * - the time from the command to the first finished epoch that paid emission (target <= 60 s),
 * - to the services answering (the banner), and to the first epoch that paid miners by
 *   incentive (validators' weights committed, revealed and used),
 * - steady-state CPU (cores busy) and memory (RSS) summed over the devnet's whole process tree
 *   (the orchestrator and every child), sampled from /proc once a second for --sample seconds
 *   after the services are up.
 * Then it presses Ctrl-C and checks that nothing is left running.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { processAlive, spawnDevnet } from "../src/spawn";

export const FIRST_EPOCH_TARGET_MS = 60_000;

export interface DevnetBench {
  firstEpochPaidMs: number;
  readyMs: number | undefined;
  firstIncentiveMs: number | undefined;
  cpuCores: { mean: number; max: number };
  rssMiB: { mean: number; max: number };
  processes: number;
  stopMs: number;
  /** Whether the devnet said it stopped cleanly (not by a forced kill). */
  stoppedCleanly: boolean;
  leftRunning: number;
}

export async function benchDevnet(opts: {
  tempo: number;
  sampleSeconds: number;
  echo?: boolean;
}): Promise<DevnetBench> {
  const devnet = await spawnDevnet({ via: "npm", args: ["--tempo", String(opts.tempo)], echo: opts.echo });
  try {
    const since = (s: { startedAt: number }, ms: number) => s.startedAt + ms - devnet.startedAt;
    const first = await devnet.waitFor("first epoch paid", (s) => s.firstEpochPaidMs !== undefined, 240_000);
    const ready = await devnet.waitFor("services up", (s) => s.readyMs !== undefined, 240_000);
    // Let the miners load their models and the validators start probing before sampling.
    await new Promise((r) => setTimeout(r, 10_000));
    const samples = await sampleTree(devnet.child.pid!, opts.sampleSeconds);
    const withIncentive = await devnet
      .waitFor("an epoch paying miners", (s) => s.firstIncentiveMs !== undefined, opts.tempo * 8_000)
      .catch(() => devnet.state());
    const pids = (devnet.state()?.processes ?? []).map((p) => p.pid).concat(devnet.child.pid!);
    const stopStarted = Date.now();
    await devnet.interrupt();
    const stopMs = Date.now() - stopStarted;
    return {
      firstEpochPaidMs: since(first, first.firstEpochPaidMs!),
      readyMs: ready.readyMs === undefined ? undefined : since(ready, ready.readyMs),
      firstIncentiveMs:
        withIncentive?.firstIncentiveMs === undefined
          ? undefined
          : since(withIncentive, withIncentive.firstIncentiveMs),
      cpuCores: summary(samples.map((s) => s.cores)),
      rssMiB: summary(samples.map((s) => s.rssBytes / 2 ** 20)),
      processes: Math.max(...samples.map((s) => s.processes)),
      stopMs,
      stoppedCleanly:
        /stopped; nothing left running/.test(devnet.output()) && !/killing everything/.test(devnet.output()),
      leftRunning: pids.filter(processAlive).length,
    };
  } finally {
    if (devnet.child.exitCode === null) await devnet.interrupt().catch(() => undefined);
    fs.rmSync(devnet.dir, { recursive: true, force: true });
  }
}

interface Sample {
  cores: number;
  rssBytes: number;
  processes: number;
}

const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
const PAGE_SIZE = Number(execFileSync("getconf", ["PAGESIZE"], { encoding: "utf8" }).trim()) || 4096;

/** CPU (cores busy over each second) and RSS summed over `root` and all its descendants. */
async function sampleTree(root: number, seconds: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  let previous = cpuTicks(tree(root));
  let previousAt = Date.now();
  for (let i = 0; i < seconds; i++) {
    await new Promise((r) => setTimeout(r, 1_000));
    const pids = tree(root);
    const ticks = cpuTicks(pids);
    const now = Date.now();
    let used = 0;
    for (const [pid, t] of ticks) used += t - (previous.get(pid) ?? t);
    samples.push({
      cores: used / TICKS_PER_SECOND / ((now - previousAt) / 1000),
      rssBytes: pids.reduce((sum, pid) => sum + rss(pid), 0),
      processes: pids.length,
    });
    previous = ticks;
    previousAt = now;
  }
  return samples;
}

function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

function cpuTicks(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) out.set(pid, stat.utime + stat.stime);
  }
  return out;
}

function readStat(pid: number): { ppid: number; utime: number; stime: number } | undefined {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces and parentheses).
    const f = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(f[1]), utime: Number(f[11]), stime: Number(f[12]) };
  } catch {
    return undefined;
  }
}

function rss(pid: number): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]) * PAGE_SIZE;
  } catch {
    return 0;
  }
}

function summary(values: number[]): { mean: number; max: number } {
  if (values.length === 0) return { mean: 0, max: 0 };
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, max: Math.max(...values) };
}

if (require.main === module) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const tempo = arg("--tempo", 20);
  const sampleSeconds = arg("--sample", 30);
  benchDevnet({ tempo, sampleSeconds, echo: process.argv.includes("--echo") })
    .then((b) => {
      const s = (ms: number | undefined) => (ms === undefined ? "not reached" : `${(ms / 1000).toFixed(1)} s`);
      console.log(`devnet bench (tempo ${tempo}, ${sampleSeconds} s sample)`);
      console.log(
        `  npm run devnet -> first epoch paid        ${s(b.firstEpochPaidMs)} (target <= ${FIRST_EPOCH_TARGET_MS / 1000} s)`,
      );
      console.log(`  npm run devnet -> services up (banner)    ${s(b.readyMs)}`);
      console.log(`  npm run devnet -> first epoch paying miners by incentive  ${s(b.firstIncentiveMs)}`);
      console.log(
        `  steady state, ${b.processes} processes: CPU ${b.cpuCores.mean.toFixed(2)} cores (max ${b.cpuCores.max.toFixed(2)}), ` +
          `RSS ${b.rssMiB.mean.toFixed(0)} MiB (max ${b.rssMiB.max.toFixed(0)})`,
      );
      console.log(
        `  Ctrl-C -> stopped ${b.stoppedCleanly ? "cleanly" : "NOT cleanly"} in ${s(b.stopMs)}; ` +
          `${b.leftRunning} processes left running`,
      );
      if (b.firstEpochPaidMs > FIRST_EPOCH_TARGET_MS || b.leftRunning > 0 || !b.stoppedCleanly) process.exitCode = 1;
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
