import { createHash } from "node:crypto";
import { OcrInputError } from "@noosphere/inference";
import type { OcrLine, OcrPipeline } from "@noosphere/inference";
import { MinerHttpError } from "../errors";
import type { CallLimits, TaskHandler, TaskResult } from "./task";

/** The part of packages/inference's OCR pipeline the miner uses. */
export type OcrEngine = Pick<OcrPipeline, "provider" | "modelHashes" | "recognize" | "close">;

export interface OcrInput {
  image: Buffer;
}

export interface OcrOutput {
  lines: { text: string; confidence: number; box: [number, number][] }[];
}

/** Largest image accepted, in bytes once base64-decoded. */
export const MAX_IMAGE_BYTES = 4 * 1024 * 1024;

/**
 * The model id of a pipeline of several ONNX files: sha256 over their sha256 digests, in
 * pipeline order. A one-file model keeps its own sha256. For PP-OCR: sha256(det || rec).
 */
export function pipelineHash(hashes: readonly string[]): string {
  if (hashes.length === 1) return (hashes[0] as string).toLowerCase();
  const h = createHash("sha256");
  for (const hash of hashes) h.update(Buffer.from(hash.replace(/^0x/i, ""), "hex"));
  return "0x" + h.digest("hex");
}

/**
 * Wire body: `{ image: base64 PNG or JPEG }`. Answer: `{ lines: [{ text, confidence, box }] }`,
 * top to bottom. The axon's model hash is `pipelineHash([detection, recognition])`.
 */
export class OcrTask implements TaskHandler<OcrInput, OcrOutput> {
  readonly taskId = "ocr";
  /** A detection pass cannot be stopped halfway (tens of ms): callers are admitted before it starts. */
  readonly speculative = false;
  /** The image limit in base64, and room for the JSON around it. */
  readonly maxBodyBytes = Math.ceil((MAX_IMAGE_BYTES * 4) / 3) + 64 * 1024;
  readonly modelHash: string;

  constructor(
    private readonly engine: OcrEngine,
    readonly modelName: string,
  ) {
    this.modelHash = pipelineHash([engine.modelHashes.detection, engine.modelHashes.recognition]);
  }

  get provider(): string {
    return this.engine.provider;
  }

  parse(body: unknown, _limits: CallLimits): OcrInput {
    return parseOcrRequest(body);
  }

  async run(input: OcrInput): Promise<TaskResult<OcrOutput>> {
    let lines: readonly OcrLine[];
    try {
      ({ lines } = await this.engine.recognize(input.image));
    } catch (err) {
      if (err instanceof OcrInputError) {
        const tooLarge = /exceeds the .*pixel limit/.test(err.message);
        throw new MinerHttpError(tooLarge ? 413 : 400, tooLarge ? "image-too-large" : "invalid-request", err.message);
      }
      throw err;
    }
    return {
      output: {
        lines: lines.map((l) => ({
          text: l.text,
          confidence: l.confidence,
          box: l.box.map(([x, y]) => [x, y] as [number, number]),
        })),
      },
      units: lines.length,
    };
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}

/** Validates an OCR wire body: a base64 PNG or JPEG within MAX_IMAGE_BYTES (400, 413). */
export function parseOcrRequest(body: unknown): OcrInput {
  const image = (body as { image?: unknown } | null)?.image;
  if (typeof image !== "string" || image.length === 0) {
    throw new MinerHttpError(400, "invalid-request", "image must be a base64-encoded PNG or JPEG");
  }
  if (image.length > Math.ceil((MAX_IMAGE_BYTES * 4) / 3) + 4) {
    throw new MinerHttpError(413, "image-too-large", `image is over the limit of ${MAX_IMAGE_BYTES} bytes`);
  }
  const bytes = Buffer.from(image, "base64");
  const png = bytes.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  if (!png && !jpeg) throw new MinerHttpError(400, "invalid-request", "image must be a PNG or JPEG");
  return { image: bytes };
}
