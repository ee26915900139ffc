import type { Logger } from "pino";

export type Cleanup = () => Promise<void> | void;

/**
 * One place to stop a service: SIGINT/SIGTERM abort the signal, run cleanups in reverse order of
 * registration, and exit; a second signal or the grace timer forces the exit.
 */
export class Shutdown {
  readonly controller = new AbortController();
  private readonly cleanups: { name: string; fn: Cleanup }[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly graceMs = 10_000,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  add(name: string, fn: Cleanup): void {
    this.cleanups.push({ name, fn });
  }

  /** Hooks SIGINT and SIGTERM; the process exits once cleanup is done. */
  installSignalHandlers(exit: (code: number) => void = (code) => process.exit(code)): void {
    const onSignal = (sig: NodeJS.Signals) => {
      if (this.running) {
        this.logger.warn({ sig }, "second signal: exiting now");
        exit(1);
        return;
      }
      this.logger.info({ sig }, "shutting down");
      const timer = setTimeout(() => {
        this.logger.error({ graceMs: this.graceMs }, "shutdown grace period over: exiting");
        exit(1);
      }, this.graceMs);
      timer.unref();
      void this.run().then(() => exit(0));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }

  /** Runs every cleanup once, last registered first; errors are logged, not thrown. */
  run(): Promise<void> {
    this.running ??= (async () => {
      this.controller.abort();
      for (const { name, fn } of [...this.cleanups].reverse()) {
        try {
          await fn();
        } catch (err) {
          this.logger.error({ err, name }, "cleanup failed");
        }
      }
    })();
    return this.running;
  }
}
