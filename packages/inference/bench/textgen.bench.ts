/**
 * Text-generation speed: tokens/s of the built-in noos-tiny model with and without the KV
 * cache, and the raw session.run latency of one decode step (cached) against a full re-run
 * of the sequence (uncached). The same figures for a tiny random-weight transformer show the
 * cache on an attention model. Run: npx tsx packages/inference/bench/textgen.bench.ts
 * Target checked: with the cache, long generations are faster than re-running the sequence.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DecoderSession } from "../src/text-generation/decoder";
import { builtinModelPath, loadTextGenerationModel, type TextGenerationModel } from "../src/text-generation/model";
import { writeTinyTransformer } from "../src/text-generation/testing/tiny-transformer";

export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

const GENERATE_TOKENS = 256;
const STEP_SAMPLES = 200;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function tokensPerSecond(model: TextGenerationModel, useCache: boolean): Promise<number> {
  await model.generate("The", { maxTokens: 16, useCache }); // warm-up
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = await model.generate("The", { maxTokens: GENERATE_TOKENS, useCache, ignoreEos: true });
    const seconds = (performance.now() - t0) / 1000;
    runs.push(r.tokens.length / seconds);
  }
  return median(runs);
}

/** Median ms of session.run for one new token after `context` tokens: cached step vs full re-run. */
async function stepLatency(decoder: DecoderSession, context: number): Promise<{ cached: number; full: number }> {
  const ids = Array.from({ length: context }, (_, i) => 1 + ((i * 37) % 200));
  const prefix = await decoder.forward(ids.slice(0, -1), decoder.emptyState());
  const cached: number[] = [];
  const full: number[] = [];
  for (let i = 0; i < STEP_SAMPLES; i++) {
    let t0 = performance.now();
    await decoder.forward(ids.slice(-1), prefix.state);
    cached.push(performance.now() - t0);
    if (i < STEP_SAMPLES / 4) {
      t0 = performance.now();
      await decoder.forward(ids, decoder.emptyState());
      full.push(performance.now() - t0);
    }
  }
  return { cached: median(cached), full: median(full) };
}

async function benchModel(label: string, model: TextGenerationModel, contexts: number[]): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const withCache = await tokensPerSecond(model, true);
  const without = await tokensPerSecond(model, false);
  rows.push({ name: `${label}: generate ${GENERATE_TOKENS} tokens, KV cache`, value: withCache, unit: "tok/s" });
  rows.push({
    name: `${label}: generate ${GENERATE_TOKENS} tokens, no cache (full re-run)`,
    value: without,
    unit: "tok/s",
  });
  rows.push({ name: `${label}: KV cache speed-up`, value: withCache / without, unit: "x" });
  for (const context of contexts) {
    const { cached, full } = await stepLatency(model.decoder, context);
    rows.push({ name: `${label}: session.run, 1 new token after ${context} (cached)`, value: cached, unit: "ms" });
    rows.push({ name: `${label}: session.run, all ${context} tokens (no cache)`, value: full, unit: "ms" });
  }
  return rows;
}

export async function textgenRows(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const builtin = await loadTextGenerationModel(builtinModelPath("noos-tiny"));
  try {
    rows.push(...(await benchModel("noos-tiny", builtin, [16, 256, 1024])));
  } finally {
    await builtin.close();
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "noos-bench-"));
  try {
    await writeTinyTransformer(dir, { layers: 2, hidden: 64, heads: 4, maxPositions: 512 });
    const tiny = await loadTextGenerationModel(dir);
    try {
      rows.push(...(await benchModel("tiny transformer (2 layers, d=64, random)", tiny, [16, 256])));
    } finally {
      await tiny.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

if (require.main === module) {
  textgenRows()
    .then((rows) => {
      const width = Math.max(...rows.map((r) => r.name.length));
      for (const r of rows)
        console.log(`${r.name.padEnd(width)}  ${r.value.toFixed(r.unit === "ms" ? 3 : 1).padStart(10)} ${r.unit}`);
      const slow = rows.filter((r) => r.unit === "x" && r.value <= 1);
      for (const r of slow) console.error(`!! target missed: ${r.name} is ${r.value.toFixed(2)}x (must be > 1)`);
      if (slow.length > 0) process.exitCode = 1;
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
