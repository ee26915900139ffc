import path from "node:path";
import { Worker } from "node:worker_threads";
import type { Logger } from "@noosphere/node-kit";
import type { Device, TaskSource } from "../tasks/load";
import type { CallLimits, StreamChunk, TaskHandler, TaskResult } from "../tasks/task";
import { fromEngineError } from "./errors";
import type { EngineInfo, EngineStart, FromEngine, ToEngine } from "./messages";

/** The part of a task that runs on the HTTP thread: request validation. */
export interface TaskFront {
  parse(body: unknown, limits: CallLimits): unknown;
  wantsStream?(input: unknown): boolean;
}

export interface EngineThreadOptions {
  device: Device;
  logger: Logger;
  /** Jobs run on the model at once (default 1); the miner hands the engine one more, which waits there. */
  concurrency?: number;
  /** Time `close()` gives the engine to release its model before the thread is stopped (default 10 s). */
  closeTimeoutMs?: number;
}

const ENTRY = path.join(__dirname, "thread-entry.js");

interface Job {
  chunks: string[];
  /** Wakes a stream reader waiting for the next chunk or the end. */
  wake?: () => void;
  result?: TaskResult<unknown>;
  error?: Error;
  settled: Promise<TaskResult<unknown>>;
  resolve(result: TaskResult<unknown>): void;
  reject(err: Error): void;
  signal: AbortSignal;
}

/**
 * A task whose model runs on an engine thread of its own (see ./thread.ts), so the HTTP thread is
 * never blocked by `session.run`: it parses and authenticates the next request, answers /health
 * and refuses with 429 while the model works. Requests are validated here (the front), run there.
 * If the engine thread dies, the jobs in flight fail (503 to their callers) and a new engine is
 * started; requests wait for it.
 */
export class EngineThreadTask implements TaskHandler {
  /** A job handed over while the model is busy waits in the engine and starts the moment it frees. */
  readonly handoff = 1;
  private worker!: Worker;
  private ready!: Promise<void>;
  /** The engine's model is open: jobs are posted at once (not a microtask later, behind the caller's checks). */
  private serving = false;
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  private closing = false;
  /** The current engine thread has stopped (a respawn that could not open the model stays so). */
  private exited = false;

  private constructor(
    private readonly source: TaskSource,
    private readonly front: TaskFront,
    private readonly opts: EngineThreadOptions,
    private info: EngineInfo,
  ) {}

  /** Starts the engine thread and waits until its model is open (its load error, if any, is thrown here). */
  static async start(source: TaskSource, front: TaskFront, opts: EngineThreadOptions): Promise<EngineThreadTask> {
    const placeholder: EngineInfo = {
      taskId: source.taskId,
      modelName: "",
      modelHash: "",
      provider: "",
      speculative: false,
    };
    const task = new EngineThreadTask(source, front, opts, placeholder);
    task.spawn();
    await task.ready;
    return task;
  }

  get taskId(): string {
    return this.info.taskId;
  }
  get modelName(): string {
    return this.info.modelName;
  }
  get modelHash(): string {
    return this.info.modelHash;
  }
  get provider(): string {
    return this.info.provider;
  }
  get speculative(): boolean {
    return this.info.speculative;
  }

  parse(body: unknown, limits: CallLimits): unknown {
    return this.front.parse(body, limits);
  }

  wantsStream(input: unknown): boolean {
    return this.front.wantsStream?.(input) ?? false;
  }

  run(input: unknown, signal: AbortSignal): Promise<TaskResult<unknown>> {
    return this.submit(input, false, signal).settled;
  }

  /** Starts the job now (not on the first `next()`), so a speculative stream runs while its caller is checked. */
  stream(input: unknown, signal: AbortSignal): AsyncGenerator<StreamChunk, TaskResult<unknown>> {
    return this.drain(this.submit(input, true, signal));
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.ready.catch(() => undefined);
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    this.post({ op: "close" });
    // Last resort: a thread stopped inside onnxruntime's native run takes the process down with it.
    const timer = setTimeout(() => void this.worker.terminate(), this.opts.closeTimeoutMs ?? 10_000);
    await exited;
    clearTimeout(timer);
  }

  private spawn(): void {
    const data: EngineStart = {
      source: this.source,
      device: this.opts.device,
      logLevel: this.opts.logger.level,
      concurrency: this.opts.concurrency ?? 1,
    };
    const worker = new Worker(ENTRY, { workerData: data });
    this.worker = worker;
    this.serving = false;
    this.exited = false;
    let opened = false;
    this.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (msg: FromEngine) => {
        if (msg.op === "ready") {
          opened = true;
          this.serving = true;
          this.info = msg.info;
          resolve();
        } else if (msg.op === "load-failed") {
          reject(fromEngineError(msg.error));
        } else {
          this.onEngineMessage(msg);
        }
      };
      worker.on("message", onMessage);
      worker.once("error", (err) => reject(err));
      worker.once("exit", (code) => {
        if (worker === this.worker) this.exited = true;
        reject(new Error(`the engine thread exited with code ${code} before its model was open`));
        // Only an engine that was serving is started again: one that could not open its model would fail again.
        if (opened) this.onExit(worker, code);
      });
    });
    // A respawn's failure is reported to the requests that wait for it, not as an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  private onExit(worker: Worker, code: number): void {
    if (worker !== this.worker) return;
    const error = new Error(`the engine thread stopped (exit code ${code}); the request was not answered`);
    for (const job of this.jobs.values()) this.finish(job, error);
    this.jobs.clear();
    if (this.closing) return;
    this.opts.logger.error({ code }, "the engine thread stopped; starting a new one");
    this.spawn();
  }

  private onEngineMessage(msg: FromEngine): void {
    if (msg.op !== "chunk" && msg.op !== "done" && msg.op !== "failed") return;
    const job = this.jobs.get(msg.id);
    if (!job) return;
    if (msg.op === "chunk") {
      job.chunks.push(msg.delta);
      job.wake?.();
      return;
    }
    this.jobs.delete(msg.id);
    if (msg.op === "done") this.finish(job, undefined, msg.result);
    else this.finish(job, fromEngineError(msg.error, job.signal.reason));
  }

  private finish(job: Job, error?: Error, result?: TaskResult<unknown>): void {
    if (error) {
      job.error = error;
      job.reject(error);
    } else {
      job.result = result;
      job.resolve(result as TaskResult<unknown>);
    }
    job.wake?.();
  }

  private submit(input: unknown, stream: boolean, signal: AbortSignal): Job {
    let resolve!: (r: TaskResult<unknown>) => void;
    let reject!: (err: Error) => void;
    const settled = new Promise<TaskResult<unknown>>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const job: Job = { chunks: [], settled, resolve, reject, signal };
    // A stream's reader sees the error through drain(); a run's caller through `settled`.
    if (stream) settled.catch(() => undefined);
    const id = this.nextId++;
    if (signal.aborted) {
      this.finish(job, signal.reason instanceof Error ? signal.reason : new Error("aborted"));
      return job;
    }
    this.jobs.set(id, job);
    signal.addEventListener("abort", () => this.post({ op: "abort", id }), { once: true });
    if (this.serving) {
      this.post({ op: "run", id, input, stream });
      return job;
    }
    this.ready.then(
      () => {
        if (!this.jobs.has(id)) return;
        if (signal.aborted) {
          this.jobs.delete(id);
          this.finish(job, signal.reason instanceof Error ? signal.reason : new Error("aborted"));
        } else {
          this.post({ op: "run", id, input, stream });
        }
      },
      (err: unknown) => {
        this.jobs.delete(id);
        this.finish(job, err instanceof Error ? err : new Error(String(err)));
      },
    );
    return job;
  }

  private async *drain(job: Job): AsyncGenerator<StreamChunk, TaskResult<unknown>> {
    for (;;) {
      const delta = job.chunks.shift();
      if (delta !== undefined) {
        yield { delta };
        continue;
      }
      if (job.error) throw job.error;
      if (job.result) return job.result;
      await new Promise<void>((resolve) => (job.wake = resolve));
      job.wake = undefined;
    }
  }

  private post(message: ToEngine): void {
    this.worker.postMessage(message);
  }
}
