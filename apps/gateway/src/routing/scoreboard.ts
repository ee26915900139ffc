/**
 * The gateway's own record of each miner: an EMA of latency and of success, a cooldown after
 * failures (doubling with consecutive failures, capped) so a dead miner is not tried on every
 * request, its calls in flight, and a short pause after it said it was busy (429: not a failure).
 * The success EMA drifts back toward 1 while nothing is observed (half-life `recoveryMs`): routing
 * weighs it squared, so a miner that failed a burst would otherwise get so little traffic that its
 * record never recovers. Kept in process: it is this gateway's view, cheap to rebuild.
 */
export interface MinerRecord {
  latencyMs?: number;
  success: number; // EMA of 1 (answered) / 0 (failed), starts at 1
  successAt: number; // when `success` was last updated (ms since epoch)
  consecutiveFailures: number;
  cooldownUntil: number; // ms since epoch
  busyUntil: number; // ms since epoch: said 429 until then
  inFlight: number;
  calls: number;
}

export interface ScoreboardOptions {
  /** Weight of the newest observation in the EMAs. */
  alpha?: number;
  cooldownBaseMs?: number;
  cooldownMaxMs?: number;
  /** Half-life of a low success record's drift back to 1 while unobserved. Default 30 s. */
  recoveryMs?: number;
  now?: () => number;
}

export class Scoreboard {
  private readonly records = new Map<string, MinerRecord>();
  private readonly alpha: number;
  private readonly cooldownBaseMs: number;
  private readonly cooldownMaxMs: number;
  private readonly recoveryMs: number;
  readonly now: () => number;

  constructor(opts: ScoreboardOptions = {}) {
    this.alpha = opts.alpha ?? 0.2;
    this.cooldownBaseMs = opts.cooldownBaseMs ?? 2_000;
    this.cooldownMaxMs = opts.cooldownMaxMs ?? 60_000;
    this.recoveryMs = opts.recoveryMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  get(key: string): MinerRecord {
    let r = this.records.get(key);
    if (!r) {
      r = { success: 1, successAt: 0, consecutiveFailures: 0, cooldownUntil: 0, busyUntil: 0, inFlight: 0, calls: 0 };
      this.records.set(key, r);
    }
    return r;
  }

  /** The success EMA as of now: drifted back toward 1 since its last update. */
  successOf(key: string): number {
    const r = this.get(key);
    const idle = Math.max(0, this.now() - r.successAt);
    return 1 - (1 - r.success) * 2 ** (-idle / this.recoveryMs);
  }

  success(key: string, latencyMs: number): void {
    const r = this.get(key);
    r.calls++;
    r.latencyMs = r.latencyMs === undefined ? latencyMs : r.latencyMs + this.alpha * (latencyMs - r.latencyMs);
    r.success = this.successOf(key) + this.alpha * (1 - this.successOf(key));
    r.successAt = this.now();
    r.consecutiveFailures = 0;
    r.cooldownUntil = 0;
  }

  /** A failed call; `cooldown: false` for a failure that is not the miner's health (a stale escrow read). */
  failure(key: string, opts: { cooldown?: boolean } = {}): void {
    const r = this.get(key);
    r.calls++;
    r.success = this.successOf(key) * (1 - this.alpha);
    r.successAt = this.now();
    r.consecutiveFailures++;
    if (opts.cooldown ?? true) {
      const ms = Math.min(this.cooldownMaxMs, this.cooldownBaseMs * 2 ** (r.consecutiveFailures - 1));
      r.cooldownUntil = this.now() + ms;
    }
  }

  /** The miner said it was busy (429, its queue full): not a failure; skipped for `ms`. */
  overloaded(key: string, ms: number): void {
    const r = this.get(key);
    r.busyUntil = Math.max(r.busyUntil, this.now() + ms);
  }

  busy(key: string): boolean {
    return this.get(key).busyUntil > this.now();
  }

  /** A call to the miner starts / ends (calls in flight are weighed against its capacity). */
  begin(key: string): void {
    this.get(key).inFlight++;
  }

  end(key: string): void {
    const r = this.get(key);
    if (r.inFlight > 0) r.inFlight--;
  }

  coolingDown(key: string): boolean {
    return this.get(key).cooldownUntil > this.now();
  }

  forget(key: string): void {
    this.records.delete(key);
  }
}
