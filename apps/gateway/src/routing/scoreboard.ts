/**
 * The gateway's own record of each miner: an EMA of latency and of success, and a cooldown after
 * failures (doubling with consecutive failures, capped) so a dead miner is not tried on every
 * request. Kept in process: it is this gateway's view, cheap to rebuild.
 */
export interface MinerRecord {
  latencyMs?: number;
  success: number; // EMA of 1 (answered) / 0 (failed), starts at 1
  consecutiveFailures: number;
  cooldownUntil: number; // ms since epoch
  calls: number;
}

export interface ScoreboardOptions {
  /** Weight of the newest observation in the EMAs. */
  alpha?: number;
  cooldownBaseMs?: number;
  cooldownMaxMs?: number;
  now?: () => number;
}

export class Scoreboard {
  private readonly records = new Map<string, MinerRecord>();
  private readonly alpha: number;
  private readonly cooldownBaseMs: number;
  private readonly cooldownMaxMs: number;
  readonly now: () => number;

  constructor(opts: ScoreboardOptions = {}) {
    this.alpha = opts.alpha ?? 0.2;
    this.cooldownBaseMs = opts.cooldownBaseMs ?? 2_000;
    this.cooldownMaxMs = opts.cooldownMaxMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  get(key: string): MinerRecord {
    let r = this.records.get(key);
    if (!r) {
      r = { success: 1, consecutiveFailures: 0, cooldownUntil: 0, calls: 0 };
      this.records.set(key, r);
    }
    return r;
  }

  success(key: string, latencyMs: number): void {
    const r = this.get(key);
    r.calls++;
    r.latencyMs = r.latencyMs === undefined ? latencyMs : r.latencyMs + this.alpha * (latencyMs - r.latencyMs);
    r.success += this.alpha * (1 - r.success);
    r.consecutiveFailures = 0;
    r.cooldownUntil = 0;
  }

  /** A failed call; `cooldown: false` for a miner that is merely busy (429). */
  failure(key: string, opts: { cooldown?: boolean } = {}): void {
    const r = this.get(key);
    r.calls++;
    r.success -= this.alpha * r.success;
    r.consecutiveFailures++;
    if (opts.cooldown ?? true) {
      const ms = Math.min(this.cooldownMaxMs, this.cooldownBaseMs * 2 ** (r.consecutiveFailures - 1));
      r.cooldownUntil = this.now() + ms;
    }
  }

  coolingDown(key: string): boolean {
    return this.get(key).cooldownUntil > this.now();
  }

  forget(key: string): void {
    this.records.delete(key);
  }
}
