import fs from "node:fs";
import path from "node:path";
import { BUILTIN_MODELS, builtinModelPath, loadTextGenerationModel } from "@noosphere/inference";
import type { BuiltinModelName } from "@noosphere/inference";
import type { Logger } from "@noosphere/node-kit";
import { MinerSetupError } from "../setup-error";
import type { TaskHandler } from "./task";
import { TextGenerationTask } from "./text-generation";

export type Device = "auto" | "cuda" | "cpu";
export const DEVICES: readonly Device[] = ["auto", "cuda", "cpu"];

/** Built-in model of each task, used when `--model` is left out. */
export const DEFAULT_MODELS: Record<string, string> = {
  "text-generation": "builtin:noos-tiny",
  ocr: "builtin:ppocr-v4",
};

export interface LoadTaskOptions {
  /** The subnet's task id (SubnetRegistry params). */
  taskId: string;
  /** `builtin:<name>` or a path (a model folder for text generation). */
  model: string;
  device: Device;
  logger: Logger;
}

/** Loads the model for the subnet's task on the chosen device and wraps it as a task handler. */
export async function loadTask(opts: LoadTaskOptions): Promise<TaskHandler> {
  if (opts.taskId === "text-generation") return loadTextGeneration(opts);
  if (opts.taskId === "ocr") {
    throw new MinerSetupError("this build of the miner cannot serve the ocr task yet (packages/inference has no OCR pipeline)");
  }
  throw new MinerSetupError(`the subnet's task "${opts.taskId}" is not one this miner serves (text-generation, ocr)`);
}

async function loadTextGeneration(opts: LoadTaskOptions): Promise<TaskHandler> {
  const dir = resolveModelDir(opts.model, "text-generation", BUILTIN_MODELS, (name) => builtinModelPath(name as BuiltinModelName));
  const model = await onDevice(opts.device, opts.logger, (providers) =>
    loadTextGenerationModel(dir, { executionProviders: providers }),
  );
  return new TextGenerationTask(model);
}

function resolveModelDir(
  spec: string,
  taskId: string,
  builtins: readonly string[],
  builtinPath: (name: string) => string,
): string {
  if (spec.startsWith("builtin:")) {
    const name = spec.slice("builtin:".length);
    if (!builtins.includes(name)) {
      throw new MinerSetupError(`--model ${spec}: no such built-in ${taskId} model (have: ${builtins.map((b) => `builtin:${b}`).join(", ")})`);
    }
    return builtinPath(name);
  }
  const dir = path.resolve(spec);
  if (!fs.existsSync(dir)) throw new MinerSetupError(`--model ${spec}: ${dir} does not exist`);
  return dir;
}

/**
 * Runs `load` with CUDA, or the CPU: `cpu` never tries CUDA; `cuda` fails with a message if it
 * is unusable; `auto` tries CUDA when ONNX Runtime's CUDA provider is installed, else the CPU.
 */
async function onDevice<T>(device: Device, logger: Logger, load: (providers: string[]) => Promise<T>): Promise<T> {
  if (device === "cpu") return load(["cpu"]);
  if (device === "auto" && !cudaProviderInstalled()) {
    logger.info("no CUDA execution provider installed for ONNX Runtime: running on the CPU");
    return load(["cpu"]);
  }
  try {
    return await load(["cuda"]);
  } catch (err) {
    if (device === "cuda") {
      throw new MinerSetupError(`--device cuda: CUDA is not usable here (${(err as Error).message}); use --device auto or cpu`);
    }
    logger.warn({ err: (err as Error).message }, "CUDA failed: running on the CPU");
    return load(["cpu"]);
  }
}

function cudaProviderInstalled(): boolean {
  try {
    const pkg = path.dirname(require.resolve("onnxruntime-node/package.json"));
    const dir = path.join(pkg, "bin", "napi-v6", process.platform, process.arch);
    return fs.existsSync(path.join(dir, "libonnxruntime_providers_cuda.so"));
  } catch {
    return false;
  }
}
