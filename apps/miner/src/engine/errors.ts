import { MinerHttpError } from "../errors";
import type { MinerErrorStatus } from "../errors";
import { MinerSetupError } from "../setup-error";
import type { EngineError } from "./messages";

/** An engine-thread error as a message (errors lose their class in postMessage). */
export function toEngineError(err: unknown, signal?: AbortSignal): EngineError {
  if (signal?.aborted) return { kind: "aborted", message: reasonOf(signal.reason) };
  if (err instanceof MinerHttpError) {
    return { kind: "http", statusCode: err.statusCode, code: err.code, message: err.message, headers: err.headers };
  }
  if (err instanceof MinerSetupError) return { kind: "setup", message: err.message };
  const e = err instanceof Error ? err : new Error(String(err));
  return { kind: "error", name: e.name, message: e.message };
}

/** The error again, on the HTTP thread: a MinerHttpError stays one (its status reaches the caller). */
export function fromEngineError(e: EngineError, abortReason?: unknown): Error {
  if (e.kind === "http") return new MinerHttpError(e.statusCode as MinerErrorStatus, e.code, e.message, e.headers);
  if (e.kind === "setup") return new MinerSetupError(e.message);
  if (e.kind === "aborted") return abortReason instanceof Error ? abortReason : new Error(e.message);
  const err = new Error(`engine thread: ${e.message}`);
  err.name = e.name;
  return err;
}

function reasonOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason ?? "aborted");
}
