import type { Redis } from "ioredis";
import type { ValidatorKeys } from "./keys";

/**
 * Applies one score to a UID's EMA at most once, atomically: the script marks the score job's
 * own hash (HSETNX noosApplied) in the same step that updates the EMA, so a score job that runs
 * again (retry, stalled after a crash, taken by another process) finds its mark and changes
 * nothing. The mark lives exactly as long as the job, so the guard costs no memory of its own.
 * The epoch's applied-hash only counts scores per process (inspection, tests).
 *
 * A UID's state belongs to one holder (hotkey, registration block): a score for a newer holder
 * starts the state over (scores reset when the hotkey changes), one for an older holder is
 * marked applied but ignored.
 *
 * KEYS: 1 the score job's hash, 2 the UID's state hash, 3 the epoch's applied counts
 * ARGV: 1 worker, 2 hotkey, 3 registeredAt, 4 score, 5 alpha, 6 counts ttl seconds, 7 now ms
 * Returns { outcome, ema }: 0 duplicate, 1 applied, 2 stale holder, 3 applied to a new holder.
 */
const APPLY_SCORE = `
if redis.call('HSETNX', KEYS[1], 'noosApplied', ARGV[1]) == 0 then
  return {0, redis.call('HGET', KEYS[2], 'ema') or '0'}
end
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
if redis.call('TTL', KEYS[3]) < 0 then redis.call('EXPIRE', KEYS[3], tonumber(ARGV[6])) end
local score = tonumber(ARGV[4])
local alpha = tonumber(ARGV[5])
local jobReg = tonumber(ARGV[3])
local hotkey = redis.call('HGET', KEYS[2], 'hotkey')
local reg = tonumber(redis.call('HGET', KEYS[2], 'registeredAt') or '-1')
if hotkey == ARGV[2] and reg == jobReg then
  local old = tonumber(redis.call('HGET', KEYS[2], 'ema') or '0')
  local ema = tostring(alpha * score + (1 - alpha) * old)
  redis.call('HSET', KEYS[2], 'ema', ema, 'last', ARGV[4], 'updatedAt', ARGV[7])
  redis.call('HINCRBY', KEYS[2], 'count', 1)
  return {1, ema}
end
if hotkey and reg > jobReg then
  return {2, redis.call('HGET', KEYS[2], 'ema') or '0'}
end
local ema = tostring(alpha * score)
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'hotkey', ARGV[2], 'registeredAt', ARGV[3], 'ema', ema, 'count', 1,
  'last', ARGV[4], 'updatedAt', ARGV[7])
return {3, ema}
`;

export type ApplyOutcome = "duplicate" | "applied" | "stale" | "new-holder";
const OUTCOMES: ApplyOutcome[] = ["duplicate", "applied", "stale", "new-holder"];

export interface ScoreToApply {
  /** Redis key of the score job's hash (`<prefix>:score:<jobId>`): it carries the applied mark. */
  jobKey: string;
  epoch: bigint;
  uid: number;
  hotkey: string;
  registeredAt: number;
  /** In [0, 1]. */
  score: number;
  /** Who applied it (inspection only). */
  worker: string;
}

/** One UID's score state as kept in Redis. */
export interface MinerScore {
  uid: number;
  hotkey: string;
  registeredAt: number;
  ema: number;
  count: number;
  last: number;
  updatedAt: number;
}

export interface AggregatorOptions {
  /** EMA weight of a new score, in (0, 1]. */
  alpha: number;
  /** How long an epoch's applied counts are kept (inspection). */
  appliedTtlSeconds: number;
}

type ApplyScoreCommand = (applied: string, state: string, ...args: (string | number)[]) => Promise<[number, string]>;

/** The EMA of each miner's score, kept in Redis and updated exactly once per score job. */
export class ScoreAggregator {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ValidatorKeys,
    private readonly opts: AggregatorOptions,
  ) {
    if (!(opts.alpha > 0 && opts.alpha <= 1)) throw new RangeError(`EMA alpha must be in (0, 1], got ${opts.alpha}`);
    if (!(redis as unknown as { noosApplyScore?: unknown }).noosApplyScore) {
      // defineCommand runs EVALSHA and falls back to EVAL on NOSCRIPT (e.g. after a Redis restart).
      redis.defineCommand("noosApplyScore", { numberOfKeys: 3, lua: APPLY_SCORE });
    }
  }

  async apply(s: ScoreToApply): Promise<{ outcome: ApplyOutcome; ema: number }> {
    if (!(s.score >= 0 && s.score <= 1)) throw new RangeError(`score must be in [0, 1], got ${s.score}`);
    const cmd = (this.redis as unknown as { noosApplyScore: ApplyScoreCommand }).noosApplyScore.bind(this.redis);
    if (!s.jobKey.startsWith(this.keys.prefix)) throw new Error(`job key ${s.jobKey} is not under ${this.keys.prefix}`);
    const [code, ema] = await cmd(
      s.jobKey,
      this.keys.ema(s.uid),
      this.keys.applied(s.epoch),
      s.worker,
      s.hotkey.toLowerCase(),
      s.registeredAt,
      s.score,
      this.opts.alpha,
      this.opts.appliedTtlSeconds,
      Date.now(),
    );
    return { outcome: OUTCOMES[code] ?? "duplicate", ema: Number(ema) };
  }

  /** Score states of UIDs 0..n-1 (undefined where a UID has none). */
  async snapshot(n: number): Promise<(MinerScore | undefined)[]> {
    if (n === 0) return [];
    const pipe = this.redis.pipeline();
    for (let uid = 0; uid < n; uid++) pipe.hgetall(this.keys.ema(uid));
    const rows = (await pipe.exec()) ?? [];
    return rows.map(([err, value], uid) => {
      if (err) throw err;
      const h = value as Record<string, string>;
      if (!h.hotkey) return undefined;
      return {
        uid,
        hotkey: h.hotkey,
        registeredAt: Number(h.registeredAt),
        ema: Number(h.ema),
        count: Number(h.count),
        last: Number(h.last),
        updatedAt: Number(h.updatedAt),
      };
    });
  }

  /** Scores applied in `epoch`, by the process that applied them (inspection and tests). */
  async appliedIn(epoch: bigint): Promise<Record<string, number>> {
    const counts = await this.redis.hgetall(this.keys.applied(epoch));
    return Object.fromEntries(Object.entries(counts).map(([w, n]) => [w, Number(n)]));
  }
}
