import type { CallLimits, TaskHandler, TaskResult } from "./task";
import { MinerHttpError } from "../errors";

export interface OcrLine {
  text: string;
  confidence: number;
  box: [number, number][];
}

/** The part of packages/inference's OCR pipeline the miner uses. */
export interface OcrEngine {
  provider: string;
  modelName: string;
  modelHash: string;
  recognize(image: Buffer): Promise<{ lines: OcrLine[] }>;
  close(): Promise<void>;
}

export interface OcrInput {
  image: Buffer;
}

const MAX_IMAGE_BYTES = 4 * 1024 * 1024;

/** Wire body: { image: base64 PNG or JPEG }. Answer: { lines: [{ text, confidence, box }] }. */
export class OcrTask implements TaskHandler<OcrInput, { lines: OcrLine[] }> {
  readonly taskId = "ocr";

  constructor(private readonly engine: OcrEngine) {}

  get modelName(): string {
    return this.engine.modelName;
  }

  get modelHash(): string {
    return this.engine.modelHash;
  }

  get provider(): string {
    return this.engine.provider;
  }

  parse(body: unknown, _limits: CallLimits): OcrInput {
    const image = (body as { image?: unknown } | null)?.image;
    if (typeof image !== "string" || image.length === 0) {
      throw new MinerHttpError(400, "invalid-request", "image must be a base64-encoded PNG or JPEG");
    }
    const bytes = Buffer.from(image, "base64");
    if (bytes.length > MAX_IMAGE_BYTES) {
      throw new MinerHttpError(413, "image-too-large", `image is ${bytes.length} bytes; the limit is ${MAX_IMAGE_BYTES}`);
    }
    const png = bytes.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
    if (!png && !jpeg) throw new MinerHttpError(400, "invalid-request", "image must be a PNG or JPEG");
    return { image: bytes };
  }

  async run(input: OcrInput): Promise<TaskResult<{ lines: OcrLine[] }>> {
    const { lines } = await this.engine.recognize(input.image);
    return { output: { lines }, units: lines.length };
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}
