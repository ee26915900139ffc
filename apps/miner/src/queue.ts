import { MinerHttpError } from "./errors";

/**
 * Admits at most `concurrency` jobs at once and `maxQueued` waiting; beyond that a caller gets
 * 429 with Retry-After at once instead of piling up latency (the model is the bottleneck).
 */
export class BoundedQueue {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly maxQueued: number,
    private readonly retryAfterSeconds = 1,
  ) {}

  get depth(): number {
    return this.waiting.length;
  }

  get inFlight(): number {
    return this.active;
  }

  /**
   * Runs `job` when a slot frees. A job whose `signal` aborts while it waits leaves the queue at
   * once (rejecting with the signal's reason), so a refused caller never holds a place.
   */
  async run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.maxQueued) {
        throw new MinerHttpError(429, "overloaded", "the miner's queue is full; retry shortly", {
          "retry-after": String(this.retryAfterSeconds),
        });
      }
      await this.wait(signal);
    } else {
      this.active++;
    }
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  /** Resolves when a finishing job hands this one its slot; rejects if `signal` aborts first. */
  private wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = this.waiting.indexOf(start);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal?.reason);
      };
      const start = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      this.waiting.push(start);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
