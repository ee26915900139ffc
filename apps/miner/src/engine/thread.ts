/**
 * The engine thread: opens the task's model (ONNX Runtime runs `session.run` synchronously on
 * the thread that calls it, so the model gets a thread of its own) and runs the jobs the HTTP
 * thread sends, `concurrency` at a time in their order, streaming chunks back as they come. A job
 * sent while the slots are taken waits here and starts the moment one frees, with no round trip
 * to the HTTP thread. A job's abort is seen between model steps (or before it starts).
 */
import { parentPort, workerData } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import { createLogger } from "@noosphere/node-kit";
import { openTask } from "../tasks/load";
import type { TaskHandler } from "../tasks/task";
import { toEngineError } from "./errors";
import type { EngineStart, FromEngine, ToEngine } from "./messages";

const start = workerData as EngineStart;
const port = parentPort as MessagePort;
const logger = createLogger("miner-engine", { level: start.logLevel });
const jobs = new Map<number, AbortController>();
/** Jobs waiting for a slot, in order. */
const waiting: (() => Promise<void>)[] = [];
let running = 0;

function post(message: FromEngine): void {
  port.postMessage(message);
}

/** Buffers lose their class crossing threads (they arrive as Uint8Array): make them Buffers again. */
function revive(input: unknown): unknown {
  if (typeof input !== "object" || input === null) return input;
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const [key, value] of Object.entries(out)) {
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
      out[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  }
  return out;
}

function queue(task: TaskHandler, id: number, input: unknown, stream: boolean): void {
  const controller = new AbortController();
  jobs.set(id, controller);
  waiting.push(() => run(task, id, input, stream, controller.signal));
  startWaiting();
}

function startWaiting(): void {
  while (running < start.concurrency && waiting.length > 0) {
    running++;
    void waiting.shift()!().finally(() => {
      running--;
      startWaiting();
    });
  }
}

async function run(task: TaskHandler, id: number, input: unknown, stream: boolean, signal: AbortSignal): Promise<void> {
  try {
    signal.throwIfAborted();
    if (stream && task.stream) {
      const gen = task.stream(revive(input), signal);
      let next = await gen.next();
      while (!next.done) {
        post({ op: "chunk", id, delta: next.value.delta });
        next = await gen.next();
      }
      post({ op: "done", id, result: next.value });
    } else {
      post({ op: "done", id, result: await task.run(revive(input), signal) });
    }
  } catch (err) {
    post({ op: "failed", id, error: toEngineError(err, signal) });
  } finally {
    jobs.delete(id);
  }
}

async function main(): Promise<void> {
  let task: TaskHandler;
  try {
    task = await openTask(start.source, start.device, logger);
  } catch (err) {
    post({ op: "load-failed", error: toEngineError(err) });
    port.close();
    return;
  }
  port.on("message", (msg: ToEngine) => {
    if (msg.op === "run") queue(task, msg.id, msg.input, msg.stream);
    else if (msg.op === "abort") jobs.get(msg.id)?.abort(new Error("aborted by the miner"));
    else {
      for (const job of jobs.values()) job.abort(new Error("the engine is closing"));
      void task
        .close()
        .catch((err: unknown) => logger.error({ err }, "closing the model failed"))
        .finally(() => {
          post({ op: "closed" });
          port.close();
        });
    }
  });
  post({
    op: "ready",
    info: {
      taskId: task.taskId,
      modelName: task.modelName,
      modelHash: task.modelHash,
      provider: task.provider,
      speculative: task.speculative === true,
    },
  });
}

void main();
