import { FlowProducer, Queue } from "bullmq";
import type { ConnectionOptions, DefaultJobOptions, QueueOptions } from "bullmq";

/** One queue per concern. */
export const QUEUE_NAMES = ["schedule", "probe", "score", "weights"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Retry and retention settings of the pipeline; the defaults suit a live network. */
export interface PipelineTuning {
  /** Tries of a probe whose miner could not be reached (refused, reset, 429, 503). */
  probeAttempts: number;
  /** First retry delay of a probe, doubled each time. */
  probeBackoffMs: number;
  /** Tries of a weights job (RPC failures, rate limits, an epoch being processed). */
  weightsAttempts: number;
  weightsBackoffMs: number;
  /** How long finished probe and score jobs stay (id deduplication and inspection). */
  keepCompletedSeconds: number;
  /** How long failed jobs stay for inspection. */
  keepFailedSeconds: number;
}

export const DEFAULT_TUNING: PipelineTuning = {
  probeAttempts: 3,
  probeBackoffMs: 1_000,
  weightsAttempts: 10,
  weightsBackoffMs: 2_000,
  keepCompletedSeconds: 3600,
  keepFailedSeconds: 24 * 3600,
};

/**
 * At most this many finished jobs of each queue stay in Redis, however long they may be kept: a probe
 * job holds the miner's answer, and 50,000 of them per queue grew a devnet's Redis to 282 MB in
 * 10,000 blocks. Deduplication needs a job only while its round can still be queued (minutes).
 */
const KEEP_JOBS = 2_000;

/**
 * Retries, backoff and retention, set once per queue. Queues take them as defaultJobOptions and
 * flow nodes are built with the same, so every job of a queue gets them however it was added.
 */
export function jobOptions(t: PipelineTuning = DEFAULT_TUNING): Record<QueueName, DefaultJobOptions> {
  const keepDone = { age: t.keepCompletedSeconds, count: KEEP_JOBS };
  const keepFailed = { age: t.keepFailedSeconds, count: KEEP_JOBS };
  return {
    schedule: {
      attempts: 3,
      backoff: { type: "exponential", delay: 500 },
      removeOnComplete: { count: 200 },
      removeOnFail: { count: 1_000 },
    },
    probe: {
      attempts: t.probeAttempts,
      backoff: { type: "exponential", delay: t.probeBackoffMs },
      removeOnComplete: keepDone,
      removeOnFail: keepFailed,
    },
    score: {
      attempts: 5,
      backoff: { type: "exponential", delay: 500 },
      removeOnComplete: keepDone,
      removeOnFail: keepFailed,
    },
    weights: {
      attempts: t.weightsAttempts,
      backoff: { type: "exponential", delay: t.weightsBackoffMs },
      // Kept long: a finished epoch's id must stay taken so the epoch is never redone.
      removeOnComplete: { age: 30 * 24 * 3600, count: 10_000 },
      removeOnFail: keepFailed,
    },
  };
}

export interface Queues {
  readonly prefix: string;
  readonly queues: Record<QueueName, Queue>;
  readonly flows: FlowProducer;
  /** The queues' default job options: flow nodes are given the same (a flow producer ignores queue defaults). */
  readonly options: Record<QueueName, DefaultJobOptions>;
  close(): Promise<void>;
}

/** Opens the four queues and a flow producer under one hash-tagged prefix. */
export function openQueues(
  connection: ConnectionOptions,
  prefix: string,
  tuning: PipelineTuning = DEFAULT_TUNING,
): Queues {
  const opts = jobOptions(tuning);
  const make = (name: QueueName): Queue => {
    const o: QueueOptions = { connection, prefix, defaultJobOptions: opts[name] };
    return new Queue(name, o);
  };
  const queues = {
    schedule: make("schedule"),
    probe: make("probe"),
    score: make("score"),
    weights: make("weights"),
  };
  const flows = new FlowProducer({ connection, prefix });
  return {
    prefix,
    queues,
    flows,
    options: opts,
    async close() {
      await flows.close();
      await Promise.all(Object.values(queues).map((q) => q.close()));
    },
  };
}
