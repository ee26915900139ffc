/** Reads back what a validator did, straight from Redis, to check that nothing was lost or counted twice. */
import { Queue } from "bullmq";
import IORedis from "ioredis";
import { ValidatorKeys } from "../keys";
import { QUEUE_NAMES } from "../queues";
import type { ChallengeRecord } from "../pipeline";

export interface Ledger {
  /** Probe rounds made (one challenge each). */
  rounds: ChallengeRecord[];
  /** Scores applied, by the process that applied them. */
  applied: Record<string, number>;
  /** Scores applied in all. */
  appliedTotal: number;
  /** Per UID: applied score count and EMA. */
  scores: Map<number, { count: number; ema: number; hotkey: string }>;
  failedScoreJobs: number;
  status: Record<string, string>;
}

export class LedgerReader {
  private readonly redis: IORedis;
  readonly keys: ValidatorKeys;

  constructor(
    redisUrl: string,
    readonly prefix: string,
  ) {
    const u = new URL(redisUrl);
    this.redis = new IORedis({ host: u.hostname, port: Number(u.port), maxRetriesPerRequest: null });
    this.keys = new ValidatorKeys(prefix);
  }

  async read(): Promise<Ledger> {
    const challengeKeys = await this.scan(`${this.prefix}:challenge:*`);
    const rounds = (await Promise.all(challengeKeys.map((k) => this.redis.get(k))))
      .filter((v): v is string => v !== null)
      .map((v) => JSON.parse(v) as ChallengeRecord);
    const applied: Record<string, number> = {};
    for (const key of await this.scan(`${this.prefix}:applied:*`)) {
      for (const [w, n] of Object.entries(await this.redis.hgetall(key))) applied[w] = (applied[w] ?? 0) + Number(n);
    }
    const appliedTotal = Object.values(applied).reduce((a, b) => a + b, 0);
    const scores = new Map<number, { count: number; ema: number; hotkey: string }>();
    for (const key of await this.scan(`${this.prefix}:ema:*`)) {
      const h = await this.redis.hgetall(key);
      scores.set(Number(key.slice(key.lastIndexOf(":") + 1)), {
        count: Number(h.count),
        ema: Number(h.ema),
        hotkey: h.hotkey ?? "",
      });
    }
    const q = new Queue("score", { connection: this.redis, prefix: this.prefix });
    const failedScoreJobs = (await q.getJobCounts("failed")).failed ?? 0;
    await q.close();
    return {
      rounds,
      applied,
      appliedTotal,
      scores,
      failedScoreJobs,
      status: await this.redis.hgetall(this.keys.status()),
    };
  }

  /** The status hash alone (last commit and reveal): cheap enough to poll. */
  async status(): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.status());
  }

  /** Scores applied in `epoch`, all processes together. */
  async appliedCount(epoch: bigint): Promise<number> {
    const counts = await this.redis.hvals(this.keys.applied(epoch));
    return counts.reduce((a, n) => a + Number(n), 0);
  }

  /** Removes the schedulers (no new rounds or epochs) and waits until probes and scores are done. */
  async stopAndDrain(timeoutMs = 30_000): Promise<void> {
    const schedule = new Queue("schedule", { connection: this.redis, prefix: this.prefix });
    await schedule.removeJobScheduler("round");
    await schedule.removeJobScheduler("epoch");
    const queues = QUEUE_NAMES.filter((n) => n !== "weights").map(
      (n) => new Queue(n, { connection: this.redis, prefix: this.prefix }),
    );
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const counts = await Promise.all(
          queues.map((q) => q.getJobCounts("waiting", "active", "delayed", "waiting-children", "prioritized")),
        );
        if (counts.every((c) => Object.values(c).every((n) => n === 0))) return;
        if (Date.now() > deadline) throw new Error(`pipeline did not drain: ${JSON.stringify(counts)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await Promise.all([schedule, ...queues].map((q) => q.close()));
    }
  }

  async jobCounts(queue: string, ...states: string[]): Promise<Record<string, number>> {
    const q = new Queue(queue, { connection: this.redis, prefix: this.prefix });
    try {
      return await q.getJobCounts(...(states as never[]));
    } finally {
      await q.close();
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private async scan(match: string): Promise<string[]> {
    const escaped = match.replace(/[{}[\]?]/g, (c) => `\\${c}`);
    const out: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", escaped, "COUNT", 1000);
      cursor = next;
      out.push(...keys);
    } while (cursor !== "0");
    return out;
  }
}
