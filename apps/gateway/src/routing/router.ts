import type { Scoreboard } from "./scoreboard";

/** A miner the gateway may call: its axon, what it serves, and its on-chain incentive. */
export interface MinerEndpoint {
  /** `${netuid}:${hotkey}` (lower case): one neuron on one subnet. */
  key: string;
  netuid: number;
  uid: number;
  hotkey: string;
  /** Base URL of the axon, e.g. http://10.0.0.5:9001 */
  url: string;
  taskId: string;
  modelName: string;
  modelHash: string;
  tier: number;
  provider?: string;
  /** Incentive of the last epoch relative to the subnet's best, in [0, 1]. */
  incentive: number;
  /** Answered its last health check. */
  live: boolean;
  /** Requests it takes at once, running and queued (its /health queue); beyond that it answers 429. */
  capacity?: number;
}

export interface RouterOptions {
  /**
   * Weight a miner gets on top of its incentive, so new miners (incentive 0 before their first
   * epoch) still get traffic and can earn a score. 0.1 = a tenth of the best miner's weight.
   */
  incentiveFloor?: number;
  /** Milliseconds added to every latency when comparing miners (keeps tiny latencies from dominating). */
  latencySmoothingMs?: number;
  random?: () => number;
}

/**
 * Picks a miner for a request: weighted at random by on-chain incentive times the gateway's own
 * record (success EMA squared, latency relative to the fastest candidate), so the best miners get
 * most traffic and every live miner some. Miners cooling down after failures are skipped unless
 * nothing else is left; miners already tried for this request never come back; miners with as many
 * of this gateway's calls in flight as they take (or that just said they were busy) are skipped, and
 * `pick` says `saturated` when that leaves none, so the gateway sheds load with a 429 instead of
 * retrying into full queues.
 */
export class Router {
  private readonly floor: number;
  private readonly smoothing: number;
  private readonly random: () => number;

  constructor(
    readonly scoreboard: Scoreboard,
    opts: RouterOptions = {},
  ) {
    this.floor = opts.incentiveFloor ?? 0.1;
    this.smoothing = opts.latencySmoothingMs ?? 20;
    this.random = opts.random ?? Math.random;
  }

  weights(candidates: readonly MinerEndpoint[]): number[] {
    const latencies = candidates
      .map((m) => this.scoreboard.get(m.key).latencyMs)
      .filter((l): l is number => l !== undefined);
    const best = latencies.length > 0 ? Math.min(...latencies) : undefined;
    return candidates.map((m) => {
      const r = this.scoreboard.get(m.key);
      const speed =
        best === undefined || r.latencyMs === undefined ? 1 : (best + this.smoothing) / (r.latencyMs + this.smoothing);
      const success = this.scoreboard.successOf(m.key);
      return (this.floor + Math.max(0, Math.min(1, m.incentive))) * success * success * speed;
    });
  }

  /** Whether every live miner not yet tried is at its capacity or busy: nothing to send to now. */
  saturated(candidates: readonly MinerEndpoint[], tried: ReadonlySet<string> = new Set()): boolean {
    const open = candidates.filter((m) => m.live && !tried.has(m.key));
    return open.length > 0 && open.every((m) => !this.hasRoom(m));
  }

  private hasRoom(m: MinerEndpoint): boolean {
    const sb = this.scoreboard;
    return !sb.busy(m.key) && (m.capacity === undefined || sb.get(m.key).inFlight < m.capacity);
  }

  pick(candidates: readonly MinerEndpoint[], tried: ReadonlySet<string> = new Set()): MinerEndpoint | undefined {
    const open = candidates.filter((m) => m.live && !tried.has(m.key) && this.hasRoom(m));
    const ready = open.filter((m) => !this.scoreboard.coolingDown(m.key));
    if (ready.length === 0) {
      // Everyone left is cooling down: probe the one whose cooldown ends first.
      return [...open].sort(
        (a, b) => this.scoreboard.get(a.key).cooldownUntil - this.scoreboard.get(b.key).cooldownUntil,
      )[0];
    }
    const weights = this.weights(ready);
    const total = weights.reduce((a, b) => a + b, 0);
    if (!(total > 0)) return ready[Math.floor(this.random() * ready.length)];
    let x = this.random() * total;
    for (let i = 0; i < ready.length; i++) {
      x -= weights[i]!;
      if (x < 0) return ready[i];
    }
    return ready[ready.length - 1];
  }
}
