import { randomInt } from "node:crypto";
import { characterErrorRate, renderTextImage } from "@noosphere/inference";
import type { Challenge, ChallengeTask } from "./challenge";

export interface OcrChallengeOptions {
  /** Most pixel noise drawn for an image, in [0, 1] (default 0.25). */
  maxNoise?: number;
  /** Lines per image: 1 up to this (default 2). */
  maxLines?: number;
}

interface OcrExpected {
  text: string;
}

// Characters PP-OCR's dictionary reads without ambiguity (no 0/O, 1/l/I look-alikes).
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

/**
 * `ocr` challenges: random strings rendered to an image with a random face, size and noise
 * (packages/inference renderTextImage); the answer is the text itself. A miner's lines are
 * joined in reading order and graded 1 - CER (normalised), floored at 0.
 */
export class OcrChallenges implements ChallengeTask {
  readonly taskId = "ocr";
  readonly reference = { name: "rendered text (known answer)" };

  constructor(private readonly opts: OcrChallengeOptions = {}) {}

  async create(seed: number): Promise<Challenge> {
    const rand = (n: number) => randomInt(0, n);
    const lines = Array.from({ length: 1 + rand(this.opts.maxLines ?? 2) }, () =>
      Array.from({ length: 2 + rand(3) }, () =>
        Array.from({ length: 3 + rand(6) }, () => ALPHABET[rand(ALPHABET.length)]).join(""),
      ).join(" "),
    );
    const noise = (randomInt(0, 1001) / 1000) * (this.opts.maxNoise ?? 0.25);
    const image = renderTextImage({ lines, noise, seed });
    const expected: OcrExpected = { text: lines.join(" ") };
    return { body: { image: image.png.toString("base64") }, expected };
  }

  grade(expected: unknown, output: unknown): number {
    const lines = (output as { lines?: unknown } | null)?.lines;
    if (!Array.isArray(lines) || lines.some((l) => typeof (l as { text?: unknown } | null)?.text !== "string"))
      return 0;
    const read = (lines as { text: string }[]).map((l) => l.text).join(" ");
    const cer = characterErrorRate((expected as OcrExpected).text, read, { normalize: true });
    return Math.max(0, 1 - cer);
  }

  async close(): Promise<void> {}
}
