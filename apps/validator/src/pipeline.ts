import { randomInt } from "node:crypto";
import { UnrecoverableError } from "bullmq";
import type { FlowJob, Job } from "bullmq";
import type { Signer, TypedDataDomain } from "ethers";
import type { Redis } from "ioredis";
import type { Logger } from "@noosphere/node-kit";
import type { ApplyOutcome, ScoreAggregator } from "./aggregator";
import type { ChallengeTask } from "./challenges/challenge";
import type { EpochClock } from "./chain/epochs";
import type { Metagraph, MinerEndpoint } from "./chain/subnet";
import { probeJobId, roundId, scoreJobId, weightsJobId } from "./ids";
import type { RoundRef } from "./ids";
import type { ValidatorKeys } from "./keys";
import type { ValidatorMetrics } from "./metrics";
import { MinerUnavailableError, probeMiner } from "./probe/client";
import type { ProbeFault, ProbeResult } from "./probe/client";
import type { Queues } from "./queues";
import { latencyFactor, unit } from "./score/latency";
import type { LatencyPolicy } from "./score/latency";

/** A round's challenge as kept in Redis; the first writer wins, retries reuse it. */
export interface ChallengeRecord {
  netuid: number;
  epoch: string;
  slot: number;
  seed: number;
  body: unknown;
  expected: unknown;
  createdAt: number;
}

export interface ProbeJobData {
  netuid: number;
  epoch: string;
  slot: number;
  uid: number;
  hotkey: string;
  registeredAt: number;
  url: string;
}

export type ScoreJobData = Omit<ProbeJobData, "url">;

export type ScoreJobResult =
  | {
      score: number;
      quality: number;
      latencyMs?: number;
      fault?: ProbeFault | "unreachable";
      outcome: ApplyOutcome;
      ema: number;
    }
  | { skipped: string };

export interface WeightsJobData {
  netuid: number;
  epoch: string;
}

/** A probe failure that must not score the miner (the validator's own problem): the parent skips. */
const SKIP = "skip:";

export interface PipelineOptions {
  netuid: number;
  redis: Redis;
  keys: ValidatorKeys;
  queues: Queues;
  subnet: { metagraph(): Promise<Metagraph> };
  epochs: EpochClock;
  challenges: ChallengeTask;
  aggregator: ScoreAggregator;
  /** The validator's hotkey: signs every request. */
  signer: Signer;
  wireDomain: TypedDataDomain;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  maxResponseBytes: number;
  /** Lets axons point at loopback and private addresses (a devnet). */
  allowPrivateAxons: boolean;
  latency: LatencyPolicy;
  /** How long a round's challenge stays in Redis (longer than its jobs' retries). */
  challengeTtlSeconds: number;
  /** This process, as recorded beside each applied score. */
  worker: string;
  metrics: ValidatorMetrics;
  logger: Logger;
}

/**
 * The processors of the pipeline. A scheduler tick makes a round: one challenge (stored once in
 * Redis) and, per miner, a flow whose child probes the miner and whose parent grades the answer
 * and applies it to the miner's EMA. The parent runs when the child is done, even if the child
 * failed (ignoreDependencyOnFailure), so an unreachable miner still scores 0.
 */
export class Pipeline {
  private readonly challengeCache = new Map<number, Promise<ChallengeRecord | undefined>>();
  private warnedNoPermit = false;

  constructor(readonly opts: PipelineOptions) {}

  /** Processor of the schedule queue: "round" ticks make probe rounds, "epoch" ticks queue weights. */
  async schedule(job: Job): Promise<unknown> {
    if (job.name === "round") return this.createRound(scheduledAt(job));
    if (job.name === "epoch") return this.enqueueWeights();
    throw new UnrecoverableError(`unknown schedule job ${job.name}`);
  }

  /** Makes the round of the probe slot holding `at` (ms): its challenge and one flow per miner. */
  async createRound(at: number): Promise<{ round: string; miners: number } | { skipped: string }> {
    const { netuid, logger } = this.opts;
    const slot = Math.floor(at / this.opts.probeIntervalMs);
    const metagraph = await this.opts.subnet.metagraph();
    if (metagraph.selfUid === undefined || !metagraph.selfPermit) {
      if (!this.warnedNoPermit) {
        logger.warn(
          { netuid, uid: metagraph.selfUid },
          "this hotkey holds no validator permit on the subnet: miners would refuse its probes, so none are sent (register and stake)",
        );
        this.warnedNoPermit = true;
      }
      return { skipped: "no validator permit" };
    }
    this.warnedNoPermit = false;
    if (metagraph.miners.length === 0) return { skipped: "no miner serves an axon" };
    const record = await this.challengeFor(slot);
    const round: RoundRef = { netuid, epoch: BigInt(record.epoch), slot };
    await this.opts.queues.flows.addBulk(metagraph.miners.map((m) => this.roundFlow(round, m)));
    logger.debug({ round: roundId(round), miners: metagraph.miners.length }, "round queued");
    return { round: roundId(round), miners: metagraph.miners.length };
  }

  /** Queues the weights job of the current epoch (its id makes it once per epoch). */
  async enqueueWeights(): Promise<{ epoch: string; jobId: string }> {
    const { epoch } = await this.opts.epochs.current();
    const jobId = weightsJobId(this.opts.netuid, epoch);
    const data: WeightsJobData = { netuid: this.opts.netuid, epoch: epoch.toString() };
    await this.opts.queues.queues.weights.add("weights", data, { jobId });
    return { epoch: epoch.toString(), jobId };
  }

  /** Processor of the probe queue: sends the round's challenge to one miner and checks the answer. */
  async probe(job: Job<ProbeJobData>): Promise<ProbeResult> {
    const d = job.data;
    const record = await this.loadChallenge(d.slot);
    if (!record) throw new UnrecoverableError(`${SKIP} challenge of slot ${d.slot} is gone (expired)`);
    let result: ProbeResult;
    try {
      result = await probeMiner({
        url: d.url,
        miner: d.hotkey,
        netuid: d.netuid,
        body: record.body,
        signer: this.opts.signer,
        domain: this.opts.wireDomain,
        timeoutMs: this.opts.probeTimeoutMs,
        maxResponseBytes: this.opts.maxResponseBytes,
        allowPrivateAxons: this.opts.allowPrivateAxons,
      });
    } catch (err) {
      if (err instanceof MinerUnavailableError) {
        this.opts.metrics.probes.inc({ outcome: "unavailable" });
        throw err; // retried with backoff; after the last try the score job gives 0
      }
      throw err;
    }
    const outcome = result.ok ? "ok" : result.fault;
    this.opts.metrics.probes.inc({ outcome });
    this.opts.metrics.probeSeconds.observe({ outcome }, result.latencyMs / 1000);
    return result;
  }

  /** Processor of the score queue: grades the probe's answer and applies it to the EMA once. */
  async score(job: Job<ScoreJobData>): Promise<ScoreJobResult> {
    const d = job.data;
    const jobId = job.id;
    if (jobId === undefined) throw new UnrecoverableError("score job without an id");
    const values = Object.values(await job.getChildrenValues<ProbeResult>());
    const failures = Object.values(await job.getIgnoredChildrenFailures());
    const probe = values[0];
    if (probe === undefined && failures.some((f) => f.startsWith(SKIP))) {
      this.opts.metrics.scoresApplied.inc({ outcome: "skipped" });
      return { skipped: failures.join("; ") };
    }
    const record = await this.loadChallenge(d.slot);
    if (!record) {
      this.opts.metrics.scoresApplied.inc({ outcome: "skipped" });
      return { skipped: `challenge of slot ${d.slot} is gone (expired)` };
    }
    let quality = 0;
    let factor = 0;
    let fault: ProbeFault | "unreachable" | undefined;
    if (probe === undefined) fault = "unreachable";
    else if (!probe.ok) fault = probe.fault;
    else {
      quality = this.grade(record.expected, probe.output);
      factor = latencyFactor(probe.latencyMs, this.opts.latency);
    }
    const score = unit(quality * factor);
    const applied = await this.opts.aggregator.apply({
      jobKey: `${job.queueQualifiedName}:${jobId}`,
      epoch: BigInt(d.epoch),
      uid: d.uid,
      hotkey: d.hotkey,
      registeredAt: d.registeredAt,
      score,
      worker: this.opts.worker,
    });
    this.opts.metrics.scoresApplied.inc({ outcome: applied.outcome });
    if (applied.outcome !== "duplicate") this.opts.metrics.lastScore.observe(score);
    return {
      score,
      quality,
      latencyMs: probe?.latencyMs,
      fault,
      outcome: applied.outcome,
      ema: applied.ema,
    };
  }

  /** The round's challenge, made once: later calls (retries, other processes) read the stored one. */
  async challengeFor(slot: number): Promise<ChallengeRecord> {
    const stored = await this.loadChallenge(slot);
    if (stored) return stored;
    const { epoch } = await this.opts.epochs.current();
    const seed = randomInt(0, 2 ** 31 - 1);
    const challenge = await this.opts.challenges.create(seed);
    const record: ChallengeRecord = {
      netuid: this.opts.netuid,
      epoch: epoch.toString(),
      slot,
      seed,
      body: challenge.body,
      expected: challenge.expected,
      createdAt: Date.now(),
    };
    const key = this.challengeKey(slot);
    await this.opts.redis.set(key, JSON.stringify(record), "EX", this.opts.challengeTtlSeconds, "NX");
    this.challengeCache.delete(slot);
    const winner = await this.loadChallenge(slot);
    if (!winner) throw new Error(`challenge ${key} vanished right after it was written`);
    return winner;
  }

  loadChallenge(slot: number): Promise<ChallengeRecord | undefined> {
    let hit = this.challengeCache.get(slot);
    if (!hit) {
      hit = this.opts.redis
        .get(this.challengeKey(slot))
        .then((raw) => (raw ? (JSON.parse(raw) as ChallengeRecord) : undefined));
      this.challengeCache.set(slot, hit);
      hit.then(
        (v) => v === undefined && this.challengeCache.delete(slot),
        () => this.challengeCache.delete(slot),
      );
      while (this.challengeCache.size > 16) {
        const oldest = this.challengeCache.keys().next().value as number;
        this.challengeCache.delete(oldest);
      }
    }
    return hit;
  }

  private challengeKey(slot: number): string {
    return this.opts.keys.challenge(`n${this.opts.netuid}-r${slot}`);
  }

  private grade(expected: unknown, output: unknown): number {
    try {
      return unit(this.opts.challenges.grade(expected, output));
    } catch (err) {
      this.opts.logger.debug({ err }, "grading threw: scored 0");
      return 0;
    }
  }

  private roundFlow(round: RoundRef, m: MinerEndpoint): FlowJob {
    const base: ScoreJobData = {
      netuid: round.netuid,
      epoch: round.epoch.toString(),
      slot: round.slot,
      uid: m.uid,
      hotkey: m.hotkey,
      registeredAt: m.registeredAt,
    };
    const probe: ProbeJobData = { ...base, url: m.url };
    return {
      name: "score",
      queueName: "score",
      data: base,
      opts: { ...this.opts.queues.options.score, jobId: scoreJobId(round, m) },
      children: [
        {
          name: "probe",
          queueName: "probe",
          data: probe,
          opts: { ...this.opts.queues.options.probe, jobId: probeJobId(round, m), ignoreDependencyOnFailure: true },
        },
      ],
    };
  }
}

/** When a scheduler tick was due (its slot), not when a worker got to it. */
function scheduledAt(job: Job): number {
  const prev = (job.opts as { prevMillis?: number }).prevMillis;
  return typeof prev === "number" && prev > 0 ? prev : job.timestamp + (job.opts.delay ?? 0);
}
