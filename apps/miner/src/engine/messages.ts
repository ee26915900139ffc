import type { TaskSource } from "../tasks/load";
import type { TaskResult } from "../tasks/task";

/** What the HTTP thread hands the engine thread when it starts it (`workerData`). */
export interface EngineStart {
  source: TaskSource;
  device: "auto" | "cuda" | "cpu";
  logLevel: string;
  /** Jobs run on the model at once; more wait in the engine. */
  concurrency: number;
}

/** What the engine says once its model is open. */
export interface EngineInfo {
  taskId: string;
  modelName: string;
  modelHash: string;
  provider: string;
  speculative: boolean;
}

/** An error as it crosses threads: refusals keep their status and code, setup errors their kind. */
export type EngineError =
  | { kind: "http"; statusCode: number; code: string; message: string; headers: Record<string, string> }
  | { kind: "setup"; message: string }
  | { kind: "aborted"; message: string }
  | { kind: "error"; name: string; message: string };

/** HTTP thread -> engine thread. */
export type ToEngine =
  { op: "run"; id: number; input: unknown; stream: boolean } | { op: "abort"; id: number } | { op: "close" };

/** Engine thread -> HTTP thread. */
export type FromEngine =
  | { op: "ready"; info: EngineInfo }
  | { op: "load-failed"; error: EngineError }
  | { op: "chunk"; id: number; delta: string }
  | { op: "done"; id: number; result: TaskResult<unknown> }
  | { op: "failed"; id: number; error: EngineError }
  | { op: "closed" };
