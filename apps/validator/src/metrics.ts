import { Counter, Gauge, Histogram, createRegistry } from "@noosphere/node-kit";
import type { Registry } from "@noosphere/node-kit";

export interface ValidatorMetrics {
  registry: Registry;
  /** Jobs by queue and state, read from Redis at each scrape (shared by every process). */
  jobs: Gauge<"queue" | "state">;
  probeSeconds: Histogram<"outcome">;
  probes: Counter<"outcome">;
  scoresApplied: Counter<"outcome">;
  /** Each miner's EMA score, read from Redis at each scrape. */
  score: Gauge<"uid" | "hotkey">;
  lastScore: Histogram;
  lastCommitEpoch: Gauge;
  lastRevealEpoch: Gauge;
  lastCommitTime: Gauge;
  lastRevealTime: Gauge;
  weightsSkipped: Counter<"reason">;
}

/** Where the gauges shared by every process of a validator are read from at each scrape. */
export interface MetricSources {
  jobCounts?: () => Promise<Record<string, Record<string, number>>>;
  scores?: () => Promise<{ uid: number; hotkey: string; ema: number }[]>;
  status?: () => Promise<Record<string, string>>;
}

/**
 * Prometheus metrics of one validator process. Gauges about shared state (jobs, scores, last
 * commit and reveal) are read from Redis at each scrape, so every process reports the same truth.
 */
export function createValidatorMetrics(sources: MetricSources = {}): ValidatorMetrics {
  const registry = createRegistry("validator");
  const r = [registry];
  const m: ValidatorMetrics = {
    registry,
    jobs: new Gauge({
      name: "noos_validator_jobs",
      help: "jobs by queue and state",
      labelNames: ["queue", "state"],
      registers: r,
      async collect() {
        if (!sources.jobCounts) return;
        const counts = await sources.jobCounts();
        for (const [queue, states] of Object.entries(counts)) {
          for (const [state, n] of Object.entries(states)) this.set({ queue, state }, n);
        }
      },
    }),
    probeSeconds: new Histogram({
      name: "noos_validator_probe_seconds",
      help: "time from sending a challenge to a verified answer (or the fault)",
      labelNames: ["outcome"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: r,
    }),
    probes: new Counter({
      name: "noos_validator_probes_total",
      help: "probes by outcome (ok or the fault)",
      labelNames: ["outcome"],
      registers: r,
    }),
    scoresApplied: new Counter({
      name: "noos_validator_scores_applied_total",
      help: "score jobs by aggregation outcome (applied, new-holder, duplicate, stale, skipped)",
      labelNames: ["outcome"],
      registers: r,
    }),
    score: new Gauge({
      name: "noos_validator_miner_score",
      help: "EMA score of each miner, in [0, 1]",
      labelNames: ["uid", "hotkey"],
      registers: r,
      async collect() {
        if (!sources.scores) return;
        this.reset();
        for (const s of await sources.scores()) this.set({ uid: String(s.uid), hotkey: s.hotkey }, s.ema);
      },
    }),
    lastScore: new Histogram({
      name: "noos_validator_probe_score",
      help: "scores given by this process",
      buckets: [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1],
      registers: r,
    }),
    lastCommitEpoch: statusGauge(
      "noos_validator_last_commit_epoch",
      "epoch of the last weights commit",
      "lastCommitEpoch",
      1,
    ),
    lastRevealEpoch: statusGauge(
      "noos_validator_last_reveal_epoch",
      "commit epoch of the last weights reveal",
      "lastRevealEpoch",
      1,
    ),
    lastCommitTime: statusGauge(
      "noos_validator_last_commit_timestamp_seconds",
      "time of the last weights commit",
      "lastCommitAt",
      1e-3,
    ),
    lastRevealTime: statusGauge(
      "noos_validator_last_reveal_timestamp_seconds",
      "time of the last weights reveal",
      "lastRevealAt",
      1e-3,
    ),
    weightsSkipped: new Counter({
      name: "noos_validator_weights_skipped_total",
      help: "epochs whose weights were not committed, by reason",
      labelNames: ["reason"],
      registers: r,
    }),
  };
  return m;

  function statusGauge(name: string, help: string, field: string, scale: number): Gauge {
    return new Gauge({
      name,
      help,
      registers: r,
      async collect() {
        if (!sources.status) return;
        const value = (await sources.status())[field];
        if (value !== undefined) this.set(Number(value) * scale);
      },
    });
  }
}
