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

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.maxQueued) {
        throw new MinerHttpError(429, "overloaded", "the miner's queue is full; retry shortly", {
          "retry-after": String(this.retryAfterSeconds),
        });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
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
}
