import os from "node:os";
import { Worker } from "bullmq";
import type { Job, WorkerOptions } from "bullmq";
import type { JsonRpcProvider, Wallet } from "ethers";
import type { FastifyInstance } from "fastify";
import { wireDomain } from "@noosphere/protocol";
import type { Logger } from "@noosphere/node-kit";
import { ScoreAggregator } from "./aggregator";
import type { ChallengeTask } from "./challenges/challenge";
import { createChallengeTask } from "./challenges";
import { BlockEpochClock } from "./chain/epochs";
import type { EpochClock } from "./chain/epochs";
import { SubnetReader } from "./chain/subnet";
import { ValidatorConfigError } from "./errors";
import { buildValidatorHttp } from "./http";
import { ValidatorKeys, validatorPrefix } from "./keys";
import { createValidatorMetrics } from "./metrics";
import type { ValidatorMetrics } from "./metrics";
import { Pipeline } from "./pipeline";
import type { ProbeJobData, ScoreJobData, WeightsJobData } from "./pipeline";
import { DEFAULT_TUNING, QUEUE_NAMES, openQueues } from "./queues";
import type { PipelineTuning, QueueName, Queues } from "./queues";
import { connectRedis, redisOptions } from "./redis";
import type { Redis } from "./redis";
import { OnceSender } from "./tx";
import type { WeightsChain } from "./weights/chain";
import { WeightsCommitter } from "./weights/committer";

/** What a process does; every process of one validator may take any mix (they share the queues). */
export type Role = "schedule" | "probe" | "score" | "weights";
export const ALL_ROLES: readonly Role[] = ["schedule", "probe", "score", "weights"];

export interface ValidatorOptions {
  netuid: number;
  /** The validator's hotkey: signs probes and weights transactions. */
  wallet: Wallet;
  provider: JsonRpcProvider;
  chainId: number;
  /** SubnetRegistry address. */
  subnets: string;
  /** The consensus contract (weights), or undefined to only probe and score. */
  weightsChain?: WeightsChain;
  redisUrl: string;
  roles?: readonly Role[];
  /** Challenges of the subnet's task; default: built from the subnet's task id and `model`. */
  challenges?: ChallengeTask;
  /** Reference model for text-generation (folder or built-in name). */
  model?: string;
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  probeConcurrency?: number;
  scoreConcurrency?: number;
  /** How often the chain is checked for a new epoch. */
  epochCheckMs?: number;
  maxResponseBytes?: number;
  /** Lets axons point at loopback and private addresses (a devnet: miners on 127.0.0.1); refused by default. */
  allowPrivateAxons?: boolean;
  /** Answers faster than this keep their full score. */
  latencyTargetMs?: number;
  emaAlpha?: number;
  tuning?: Partial<PipelineTuning>;
  /** BullMQ job lock: a crashed process's jobs are taken over after about this long. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Also start or continue the subnet's on-chain epochs when they are due. */
  keeper?: boolean;
  /** Serve /health and /metrics here (port 0: any free port); false: no HTTP. */
  http?: { host: string; port: number } | false;
  /** Overrides the Redis key prefix (default: {noos:val:<netuid>-<hotkey>}). */
  prefix?: string;
  /** This process's name in applied-score records (default host-pid). */
  workerName?: string;
  logger: Logger;
}

export interface RunningValidator {
  readonly prefix: string;
  readonly keys: ValidatorKeys;
  readonly redis: Redis;
  readonly queues: Queues;
  readonly pipeline: Pipeline;
  readonly aggregator: ScoreAggregator;
  readonly metrics: ValidatorMetrics;
  readonly committer: WeightsCommitter | undefined;
  /** Where /health and /metrics listen, if they do. */
  readonly url: string | undefined;
  close(): Promise<void>;
}

/**
 * Starts a validator process: connects to Redis (required: a clear error if it is unreachable),
 * opens the queues, installs the schedulers and runs the workers of its roles.
 */
export async function startValidator(opts: ValidatorOptions): Promise<RunningValidator> {
  const { logger, netuid } = opts;
  const roles = new Set(opts.roles ?? ALL_ROLES);
  const redis = await connectRedis(opts.redisUrl, { logger });
  const cleanups: (() => Promise<void>)[] = [async () => void redis.disconnect()];
  const close = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        logger.warn({ err }, "error while closing");
      }
    }
  };
  try {
    return await assemble();
  } catch (err) {
    await close();
    throw err;
  }

  async function assemble(): Promise<RunningValidator> {
    const hotkey = opts.wallet.address;
    const prefix = opts.prefix ?? validatorPrefix(netuid, hotkey);
    const keys = new ValidatorKeys(prefix);
    const probeTimeoutMs = opts.probeTimeoutMs ?? 10_000;
    const subnet = new SubnetReader({ provider: opts.provider, subnets: opts.subnets, netuid, self: hotkey });
    const metagraph = await subnet.metagraph().catch((err: unknown) => {
      throw new ValidatorConfigError(`cannot read subnet ${netuid} from ${opts.subnets}: ${(err as Error).message}`);
    });
    if (metagraph.selfUid === undefined) {
      logger.warn(
        { netuid, hotkey },
        "hotkey is not registered on the subnet: register it (noos register) to probe and set weights",
      );
    }
    const challenges =
      opts.challenges ??
      (roles.has("schedule") || roles.has("score")
        ? await createChallengeTask(metagraph.taskId, { model: opts.model })
        : undefined);
    if (challenges) cleanups.push(() => challenges.close());
    if (challenges && challenges.taskId !== metagraph.taskId) {
      throw new ValidatorConfigError(
        `subnet ${netuid} runs "${metagraph.taskId}", the challenges are for "${challenges.taskId}"`,
      );
    }
    const referenceHash = challenges?.reference.sha256;
    if (referenceHash) {
      const bytes32 = referenceHash.startsWith("0x") ? referenceHash : `0x${referenceHash}`;
      if (!(await subnet.registry.isModelAllowed(netuid, bytes32))) {
        throw new ValidatorConfigError(
          `the reference model ${challenges.reference.name} (sha256 ${bytes32}) is not allowed on subnet ${netuid}: ` +
            `pass --model with the subnet's allowed model, or honest miners would disagree with it`,
        );
      }
    }

    const tuning = { ...DEFAULT_TUNING, ...opts.tuning };
    const connection = redisOptions(opts.redisUrl);
    const queues = openQueues(redis, prefix, tuning);
    cleanups.push(() => queues.close());
    const aggregator = new ScoreAggregator(redis, keys, {
      alpha: opts.emaAlpha ?? 0.1,
      appliedTtlSeconds: 7 * 24 * 3600,
    });
    const metrics = createValidatorMetrics({
      jobCounts: () => jobCounts(queues),
      scores: async () => (await aggregator.snapshot((await subnet.metagraph()).n)).filter((s) => s !== undefined),
      status: () => redis.hgetall(keys.status()),
    });
    const epochs: EpochClock = opts.weightsChain
      ? {
          current: async () => {
            const s = await opts.weightsChain!.status();
            return { epoch: s.epoch, block: s.block, revealOpen: s.stage === 0 };
          },
        }
      : new BlockEpochClock(opts.provider, async () => (await subnet.metagraph()).tempo);
    const workerName = opts.workerName ?? `${os.hostname()}-${process.pid}`;
    const pipeline = new Pipeline({
      netuid,
      redis,
      keys,
      queues,
      subnet,
      epochs,
      challenges: challenges ?? unavailableChallenges(metagraph.taskId),
      aggregator,
      signer: opts.wallet,
      wireDomain: wireDomain(opts.chainId, opts.subnets),
      probeIntervalMs: opts.probeIntervalMs ?? 12_000,
      probeTimeoutMs,
      maxResponseBytes: opts.maxResponseBytes ?? 1024 * 1024,
      allowPrivateAxons: opts.allowPrivateAxons ?? false,
      latency: {
        targetMs: opts.latencyTargetMs ?? Math.round(probeTimeoutMs / 4),
        timeoutMs: probeTimeoutMs,
        floor: 0.5,
      },
      challengeTtlSeconds: Math.max(3600, Math.ceil(tuning.keepCompletedSeconds)),
      worker: workerName,
      metrics,
      logger,
    });
    const committer = opts.weightsChain
      ? new WeightsCommitter({
          netuid,
          chain: opts.weightsChain,
          sender: new OnceSender({ redis, wallet: opts.wallet, provider: opts.provider, confirmTimeoutMs: 30_000 }),
          provider: opts.provider,
          redis,
          keys,
          aggregator,
          subnet,
          metrics,
          logger,
        })
      : undefined;

    // Schedulers live in Redis: upserting them from several processes leaves one of each.
    if (roles.has("schedule")) {
      await queues.queues.schedule.upsertJobScheduler(
        "round",
        { every: opts.probeIntervalMs ?? 12_000 },
        { name: "round" },
      );
      if (committer) {
        await queues.queues.schedule.upsertJobScheduler(
          "epoch",
          { every: opts.epochCheckMs ?? 2_000 },
          { name: "epoch" },
        );
      } else {
        await queues.queues.schedule.removeJobScheduler("epoch");
        logger.warn("no consensus contract: probing and scoring only, no weights are set");
      }
    }
    if (committer) await queues.queues.weights.setGlobalConcurrency(1);

    const workerOpts = (concurrency: number): WorkerOptions => ({
      connection,
      prefix,
      concurrency,
      lockDuration: opts.lockDurationMs ?? 30_000,
      stalledInterval: opts.stalledIntervalMs ?? 30_000,
      maxStalledCount: 2,
    });
    const workers: Worker[] = [];
    const addWorker = <D>(name: QueueName, processor: (job: Job<D>) => Promise<unknown>, concurrency: number) => {
      const worker = new Worker<D>(name, processor, workerOpts(concurrency));
      worker.on("failed", (job, err) =>
        logger.debug({ queue: name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, "job failed"),
      );
      worker.on("error", (err) => logger.warn({ queue: name, err: err.message }, "worker error"));
      workers.push(worker);
    };
    if (roles.has("schedule")) {
      addWorker(
        "schedule",
        async (job: Job) => {
          const out = await pipeline.schedule(job);
          if (job.name === "epoch" && committer && opts.keeper) await maybeKeep(job);
          return out;
        },
        1,
      );
    }
    if (roles.has("probe")) addWorker<ProbeJobData>("probe", (job) => pipeline.probe(job), opts.probeConcurrency ?? 16);
    if (roles.has("score")) addWorker<ScoreJobData>("score", (job) => pipeline.score(job), opts.scoreConcurrency ?? 8);
    if (roles.has("weights") && committer) {
      addWorker<WeightsJobData>(
        "weights",
        async (job) => {
          if (job.name === "run-epoch") return committer.runEpochIfDue();
          return committer.run(BigInt(job.data.epoch));
        },
        1,
      );
    }
    cleanups.push(async () => {
      await Promise.all(workers.map((w) => w.close()));
    });

    /** Keeper: queue a call that starts or continues the on-chain epoch when one is due. */
    async function maybeKeep(_tick: Job): Promise<void> {
      const s = await opts.weightsChain!.status();
      const due = s.stage !== 0 || s.block >= s.startBlock + s.tempo;
      if (!due) return;
      const jobId = `runepoch-n${netuid}-e${s.epoch}-s${s.stage}-b${s.stage === 0 ? s.startBlock + s.tempo : s.block}`;
      await queues.queues.weights.add("run-epoch", { netuid, epoch: s.epoch.toString() }, { jobId });
    }

    let app: FastifyInstance | undefined;
    let url: string | undefined;
    if (opts.http !== false && opts.http !== undefined) {
      app = buildValidatorHttp({
        metrics,
        health: {
          identity: {
            netuid,
            hotkey,
            task: metagraph.taskId,
            reference: challenges?.reference,
            roles: [...roles],
            prefix,
            worker: workerName,
          },
          redis: async () => (await redis.ping()) === "PONG",
          chain: async () => {
            const e = await epochs.current();
            return { block: e.block, epoch: e.epoch.toString() };
          },
          jobCounts: () => jobCounts(queues),
          status: () => redis.hgetall(keys.status()),
        },
      });
      url = await app.listen({ host: opts.http.host, port: opts.http.port });
      cleanups.push(() => app!.close());
    }

    logger.info({ netuid, hotkey, prefix, roles: [...roles], task: metagraph.taskId, http: url }, "validator started");
    return { prefix, keys, redis, queues, pipeline, aggregator, metrics, committer, url, close };
  }
}

async function jobCounts(queues: Queues): Promise<Record<string, Record<string, number>>> {
  const entries = await Promise.all(
    QUEUE_NAMES.map(async (name) => [
      name,
      await queues.queues[name].getJobCounts(
        "waiting",
        "active",
        "delayed",
        "completed",
        "failed",
        "waiting-children",
        "prioritized",
      ),
    ]),
  );
  return Object.fromEntries(entries) as Record<string, Record<string, number>>;
}

function unavailableChallenges(taskId: string): ChallengeTask {
  const refuse = () => {
    throw new ValidatorConfigError("this process has neither the schedule nor the score role: it makes no challenges");
  };
  return {
    taskId,
    reference: { name: "none" },
    create: async () => refuse(),
    grade: () => refuse(),
    close: async () => undefined,
  };
}
