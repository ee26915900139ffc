import { hexlify, randomBytes } from "ethers";
import type { Provider, TransactionReceipt } from "ethers";
import type { Redis } from "ioredis";
import type { Logger } from "@noosphere/node-kit";
import type { ScoreAggregator } from "../aggregator";
import type { Metagraph } from "../chain/subnet";
import type { ValidatorKeys } from "../keys";
import type { ValidatorMetrics } from "../metrics";
import type { OnceSender } from "../tx";
import { ConsensusRefusal } from "./chain";
import type { ConsensusStatus, WeightsChain } from "./chain";
import { commitHash, weightsFromScores } from "./compute";
import type { WeightsRow } from "./compute";

/** What an epoch's weights job did: the reveal of the previous epoch's commit, then this epoch's commit. */
export interface WeightsJobResult {
  epoch: string;
  reveal: "revealed" | "none" | "missed";
  commit: "committed" | "late" | `skipped: ${string}`;
}

/** An epoch's frozen payload: once stored, retries commit and reveal exactly this. */
interface Payload {
  row: WeightsRow;
  salt: string;
  versionKey: string;
  hash: string;
}

/** Not now, maybe on the job's next try (epoch being processed, rate limit, RPC trouble). */
export class WeightsRetryError extends Error {}

/** Refusals that no retry in this epoch will change: the epoch's commit is skipped. */
const PERMANENT = new Set([
  "WeightsNoPermit",
  "WeightsNotRegistered",
  "WeightsNotNormalisable",
  "WeightsOverMaxWeight",
]);

export interface WeightsCommitterOptions {
  netuid: number;
  chain: WeightsChain;
  sender: OnceSender;
  provider: Provider;
  redis: Redis;
  keys: ValidatorKeys;
  aggregator: ScoreAggregator;
  subnet: { metagraph(): Promise<Metagraph> };
  metrics: ValidatorMetrics;
  logger: Logger;
}

/**
 * Commits weights in epoch E and reveals them in E+1, exactly once each. The payload (row, salt,
 * version key) is frozen in Redis before the commit is sent, so a restarted validator reveals
 * what it committed; before sending anything the job reads the chain (is the commitment already
 * there? still pending?), and transactions go through OnceSender, so a retry never double-sends.
 */
export class WeightsCommitter {
  constructor(private readonly opts: WeightsCommitterOptions) {}

  /** The weights job of `epoch`: reveal epoch-1's commitment, then commit this epoch's weights. */
  async run(epoch: bigint): Promise<WeightsJobResult> {
    const status = await this.opts.chain.status();
    if (status.epoch < epoch) throw new WeightsRetryError(`chain is at epoch ${status.epoch}, job is for ${epoch}`);
    const metagraph = await this.opts.subnet.metagraph();
    const uid = metagraph.selfUid;
    if (uid === undefined) {
      this.opts.metrics.weightsSkipped.inc({ reason: "not-registered" });
      return { epoch: epoch.toString(), reveal: "none", commit: "skipped: hotkey not registered" };
    }
    const reveal = await this.reveal(epoch - 1n, uid, status);
    const commit = status.epoch === epoch ? await this.commit(epoch, uid, metagraph, status) : "late";
    if (commit === "late") this.opts.metrics.weightsSkipped.inc({ reason: "late" });
    return { epoch: epoch.toString(), reveal, commit };
  }

  /** Sends a call that starts or continues the subnet's epoch, if one is due (keeper duty). */
  async runEpochIfDue(): Promise<boolean> {
    const request = await this.opts.chain.runEpochRequest().catch((err: unknown) => {
      if (err instanceof ConsensusRefusal) return undefined;
      throw err;
    });
    if (!request) return false;
    const receipt = await this.opts.sender.send(this.opts.keys.status(), "keeperTx", async () => request);
    await this.opts.sender.forget(this.opts.keys.status(), "keeperTx");
    return receipt.status === 1;
  }

  private async reveal(epoch: bigint, uid: number, status: ConsensusStatus): Promise<WeightsJobResult["reveal"]> {
    if (epoch < 0n) return "none";
    const key = this.opts.keys.weights(epoch);
    const rec = await this.opts.redis.hgetall(key);
    if (!rec.payload || rec.skipped) return "none";
    if (rec.revealed) return rec.revealed === "missed" ? "missed" : "revealed";
    const payload = JSON.parse(rec.payload) as Payload;
    const pending = await this.opts.chain.commitOf(uid);
    const ours = pending.hash.toLowerCase() === payload.hash.toLowerCase() && pending.epoch === epoch;
    if (!ours) {
      // Not pending on-chain: either our reveal went through (its receipt says so) or the commit never landed.
      const sent = await this.opts.sender.stored(key, "revealTx");
      const receipt = sent ? await this.opts.provider.getTransactionReceipt(sent.hash as string) : null;
      if (receipt?.status === 1) {
        await this.markRevealed(epoch, receipt);
        return "revealed";
      }
      await this.opts.redis.hset(key, "revealed", "missed");
      this.opts.logger.warn({ epoch: epoch.toString() }, "weights commitment not found on-chain: nothing to reveal");
      return "missed";
    }
    if (status.epoch > epoch + 1n) {
      await this.opts.redis.hset(key, "revealed", "missed");
      this.opts.logger.warn({ epoch: epoch.toString(), now: status.epoch.toString() }, "reveal window passed");
      return "missed";
    }
    if (status.stage !== 0) throw new WeightsRetryError(`epoch ${status.epoch} is being processed; reveal after it`);
    const receipt = await this.send(key, "revealTx", () =>
      this.opts.chain.revealRequest(payload.row, payload.salt, BigInt(payload.versionKey)),
    );
    await this.markRevealed(epoch, receipt);
    return "revealed";
  }

  /** Rate limited until a block after this epoch's end: retrying cannot help. */
  private rateLimitedPastEpoch(err: ConsensusRefusal, status: ConsensusStatus): boolean {
    if (err.errorName !== "WeightsRateLimited") return false;
    const nextBlock = Number(err.args[2]);
    return nextBlock >= status.startBlock + status.tempo;
  }

  private async commit(
    epoch: bigint,
    uid: number,
    metagraph: Metagraph,
    status: ConsensusStatus,
  ): Promise<WeightsJobResult["commit"]> {
    const key = this.opts.keys.weights(epoch);
    let rec = await this.opts.redis.hgetall(key);
    if (rec.committed) return "committed";
    if (rec.skipped) return `skipped: ${rec.skipped}`;
    if (!rec.payload) {
      const params = await this.opts.chain.params();
      const scores = await this.opts.aggregator.snapshot(metagraph.n);
      const out = weightsFromScores(scores, { ...metagraph, maxWeight: params.maxWeight });
      if ("skip" in out) {
        await this.opts.redis.hsetnx(key, "skipped", out.skip);
        this.opts.metrics.weightsSkipped.inc({ reason: out.skip });
        this.opts.logger.info({ epoch: epoch.toString(), reason: out.skip }, "no weights to commit this epoch");
        return `skipped: ${out.skip}`;
      }
      const salt = hexlify(randomBytes(32));
      const hash = commitHash(this.opts.netuid, this.opts.chain.hotkey, out.row, salt, params.versionKey);
      const payload: Payload = { row: out.row, salt, versionKey: params.versionKey.toString(), hash };
      await this.opts.redis.hsetnx(key, "payload", JSON.stringify(payload));
      rec = await this.opts.redis.hgetall(key);
    }
    const payload = JSON.parse(rec.payload as string) as Payload;
    const pending = await this.opts.chain.commitOf(uid);
    if (pending.hash.toLowerCase() === payload.hash.toLowerCase() && pending.epoch === epoch) {
      await this.markCommitted(epoch, pending.commitBlock);
      return "committed";
    }
    let receipt: TransactionReceipt;
    try {
      receipt = await this.send(key, "commitTx", () => this.opts.chain.commitRequest(payload.hash));
    } catch (err) {
      if (err instanceof ConsensusRefusal && (PERMANENT.has(err.errorName) || this.rateLimitedPastEpoch(err, status))) {
        await this.opts.redis.hsetnx(key, "skipped", err.errorName);
        this.opts.metrics.weightsSkipped.inc({ reason: err.errorName });
        this.opts.logger.warn(
          { epoch: epoch.toString(), err: err.message },
          "weights commit refused: skipped this epoch",
        );
        return `skipped: ${err.errorName}`;
      }
      if (err instanceof ConsensusRefusal) throw new WeightsRetryError(err.message);
      throw err;
    }
    await this.markCommitted(epoch, receipt.blockNumber);
    return "committed";
  }

  /** Sends once; a reverted transaction is forgotten (so a retry rebuilds it) and the job retries. */
  private async send(
    key: string,
    field: string,
    build: Parameters<OnceSender["send"]>[2],
  ): Promise<TransactionReceipt> {
    const receipt = await this.opts.sender.send(key, field, build);
    if (receipt.status !== 1) {
      await this.opts.sender.forget(key, field);
      throw new WeightsRetryError(`${field} ${receipt.hash} reverted; the chain is checked again on retry`);
    }
    return receipt;
  }

  private async markCommitted(epoch: bigint, block: number): Promise<void> {
    const now = Date.now();
    await this.opts.redis
      .multi()
      .hset(this.opts.keys.weights(epoch), "committed", String(block))
      .hset(
        this.opts.keys.status(),
        "lastCommitEpoch",
        epoch.toString(),
        "lastCommitBlock",
        String(block),
        "lastCommitAt",
        String(now),
      )
      .exec();
    this.opts.metrics.lastCommitEpoch.set(Number(epoch));
    this.opts.metrics.lastCommitTime.set(now / 1000);
    this.opts.logger.info({ epoch: epoch.toString(), block }, "weights committed");
  }

  private async markRevealed(epoch: bigint, receipt: TransactionReceipt): Promise<void> {
    const now = Date.now();
    await this.opts.redis
      .multi()
      .hset(this.opts.keys.weights(epoch), "revealed", String(receipt.blockNumber))
      .hset(
        this.opts.keys.status(),
        "lastRevealEpoch",
        epoch.toString(),
        "lastRevealBlock",
        String(receipt.blockNumber),
        "lastRevealAt",
        String(now),
      )
      .exec();
    this.opts.metrics.lastRevealEpoch.set(Number(epoch));
    this.opts.metrics.lastRevealTime.set(now / 1000);
    this.opts.logger.info({ epoch: epoch.toString(), block: receipt.blockNumber }, "weights revealed");
  }
}
