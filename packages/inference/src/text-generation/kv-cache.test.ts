import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { createSession } from "../session/index";
import { DecoderSession, describeDecoder, type DecoderState } from "./decoder";
import { builtinModelPath, loadTextGenerationModel } from "./model";
import { Prng } from "./sampling";
import { buildTinyTransformer, writeTinyTransformer } from "./testing/tiny-transformer";

const TOLERANCE = 1e-4;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

function randomTokens(n: number, vocab: number, seed: number): number[] {
  const rng = new Prng(seed);
  return Array.from({ length: n }, () => 1 + (rng.nextUint32() % (vocab - 1)));
}

/**
 * Decodes `tokens` after a prefill of `prefill` tokens, one token per step with the cache, and
 * compares each step's logits with a full re-run of the sequence so far (no cache).
 * Returns the largest difference seen and the largest difference between steps (so a model
 * whose logits never change cannot pass unnoticed).
 */
async function compareCachedWithFull(
  decoder: DecoderSession,
  tokens: number[],
  prefill: number,
): Promise<{ maxDiff: number; spread: number; steps: number }> {
  let maxDiff = 0;
  let spread = 0;
  let previous: Float32Array | null = null;
  let cached = await decoder.forward(tokens.slice(0, prefill), decoder.emptyState());
  const full0 = await decoder.forward(tokens.slice(0, prefill), decoder.emptyState());
  maxDiff = Math.max(maxDiff, maxAbsDiff(cached.logits, full0.logits));
  let steps = 0;
  for (let t = prefill; t < tokens.length; t++) {
    cached = await decoder.forward([tokens[t] as number], cached.state);
    const full = await decoder.forward(tokens.slice(0, t + 1), decoder.emptyState());
    expect(cached.state.length).toBe(t + 1);
    const last = DecoderSession.lastLogits(cached);
    maxDiff = Math.max(maxDiff, maxAbsDiff(last, DecoderSession.lastLogits(full)));
    if (previous) spread = Math.max(spread, maxAbsDiff(last, previous));
    previous = Float32Array.from(last);
    steps++;
  }
  return { maxDiff, spread, steps };
}

describe("KV cache", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "noos-kv-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function tinyDecoder(positionIdsInput: boolean): Promise<DecoderSession> {
    const { onnx, config } = buildTinyTransformer({
      layers: 2,
      heads: 4,
      hidden: 32,
      positionIdsInput,
      seed: 7,
    });
    const file = path.join(dir, `tiny-${positionIdsInput}.onnx`);
    await writeFile(file, onnx);
    const { session } = await createSession(file, { device: "cpu" });
    return new DecoderSession(session, describeDecoder(session, config));
  }

  for (const [label, positionIdsInput] of [
    ["with a position_ids input", true],
    ["deriving positions from the past length", false],
  ] as const) {
    it(`tiny 2-layer transformer ${label}: cached decoding matches full re-runs within 1e-4`, async () => {
      const decoder = await tinyDecoder(positionIdsInput);
      try {
        expect(decoder.hasCache).toBe(true);
        expect(decoder.io.cache).toHaveLength(4);
        expect(decoder.io.positionIds !== null).toBe(positionIdsInput);
        expect(decoder.io.cache[0]?.emptyDims).toEqual([1, 4, 0, 8]);
        const { maxDiff, spread, steps } = await compareCachedWithFull(decoder, randomTokens(20, 257, 3), 5);
        expect(steps).toBe(15);
        expect(maxDiff).toBeLessThan(TOLERANCE);
        expect(spread).toBeGreaterThan(0.1); // the logits really depend on the context
      } finally {
        await decoder.release();
      }
    });
  }

  it("a dropped cache changes the logits (the comparison can fail)", async () => {
    const decoder = await tinyDecoder(true);
    try {
      const tokens = randomTokens(8, 257, 4);
      const prefix = await decoder.forward(tokens.slice(0, 7), decoder.emptyState());
      const withCache = await decoder.forward([tokens[7] as number], prefix.state);
      // Same token, same position, but the past replaced by zeros: attention sees other keys.
      const zeroed: DecoderState = {
        length: prefix.state.length,
        past: new Map(
          [...prefix.state.past].map(([k, t]) => [k, new ort.Tensor("float32", new Float32Array(t.size), t.dims)]),
        ),
      };
      const wrong = await decoder.forward([tokens[7] as number], zeroed);
      expect(maxAbsDiff(DecoderSession.lastLogits(withCache), DecoderSession.lastLogits(wrong))).toBeGreaterThan(1e-2);
    } finally {
      await decoder.release();
    }
  });

  it("built-in n-gram model: cached decoding matches full re-runs within 1e-4", async () => {
    const model = await loadTextGenerationModel(builtinModelPath("noos-tiny"));
    try {
      expect(model.info.kvCache).toBe(true);
      const tokens = model.tokenizer.encode(
        "Call me Ishmael. Some years ago, never mind how long precisely, I went to sea.",
      );
      const { maxDiff, spread, steps } = await compareCachedWithFull(model.decoder, tokens, 3);
      expect(steps).toBe(tokens.length - 3);
      expect(maxDiff).toBeLessThan(TOLERANCE);
      expect(spread).toBeGreaterThan(0.1);
    } finally {
      await model.close();
    }
  });

  it("generation gives the same tokens with and without the cache (tiny transformer, greedy and sampled)", async () => {
    const modelDir = path.join(dir, "tiny-export");
    await writeTinyTransformer(modelDir, { seed: 11 });
    const model = await loadTextGenerationModel(modelDir);
    try {
      expect(model.info).toMatchObject({
        name: "tiny-transformer",
        vocabSize: 257,
        maxContext: 256,
        kvCache: true,
      });
      for (const opts of [{}, { temperature: 1, seed: 5 }]) {
        const cached = await model.generate("kv", { ...opts, maxTokens: 12 });
        const uncached = await model.generate("kv", {
          ...opts,
          maxTokens: 12,
          useCache: false,
        });
        expect(cached.tokens).toHaveLength(12);
        expect(uncached.tokens).toEqual(cached.tokens);
      }
    } finally {
      await model.close();
    }
  });

  it("stops with finishReason length when the model's context is full", async () => {
    const modelDir = path.join(dir, "context");
    await writeTinyTransformer(modelDir, { seed: 3, maxPositions: 64 });
    const model = await loadTextGenerationModel(modelDir);
    try {
      expect(model.info.maxContext).toBe(64);
      const prompt = "x".repeat(60); // one token per byte
      expect(model.countTokens(prompt)).toBe(60);
      const r = await model.generate(prompt, { maxTokens: 20, ignoreEos: true });
      expect(r).toMatchObject({ finishReason: "length", usage: { promptTokens: 60, completionTokens: 4 } });
      const uncached = await model.generate(prompt, { maxTokens: 20, ignoreEos: true, useCache: false });
      expect(uncached.tokens).toEqual(r.tokens);
      const full = await model.generate("y".repeat(64), { maxTokens: 5 });
      expect(full).toMatchObject({ tokens: [], finishReason: "length" });
      await expect(model.generate("z".repeat(65))).rejects.toThrow(/context of 64/);
    } finally {
      await model.close();
    }
  });

  it("the fixture writes a loadable export folder from onnx/model.onnx too", async () => {
    const modelDir = path.join(dir, "nested");
    await writeTinyTransformer(modelDir, { seed: 2 });
    await mkdir(path.join(modelDir, "onnx"));
    await rename(path.join(modelDir, "model.onnx"), path.join(modelDir, "onnx", "model.onnx"));
    const model = await loadTextGenerationModel(modelDir);
    try {
      expect(model.info.modelPath).toBe(path.join(modelDir, "onnx", "model.onnx"));
      const bytes = await readFile(model.info.modelPath);
      expect(model.info.sha256).toBe("0x" + createHash("sha256").update(bytes).digest("hex"));
      expect((await model.generate("x", { maxTokens: 3 })).tokens).toHaveLength(3);
    } finally {
      await model.close();
    }
  });
});
