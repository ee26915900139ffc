import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DecoderSession } from "../decoder";
import { builtinModelPath, loadTextGenerationModel, type TextGenerationModel } from "../model";
import { CORPUS_DIR, buildBuiltinModel, readParagraphs, type BuildReport } from "./build";

const MODEL_DIR = builtinModelPath("noos-tiny");
let model: TextGenerationModel;

beforeAll(async () => {
  model = await loadTextGenerationModel(MODEL_DIR);
});
afterAll(async () => {
  await model.close();
});

/**
 * Per-token perplexity through the ONNX model: each paragraph after BOS, ending with EOS.
 * The model's logits are log-probabilities; every 16th row is checked to sum to 1 (Math.exp is
 * slow inside jest's sandbox, so not every row), and the target's logit is its log-probability.
 */
async function onnxPerplexity(paragraphs: readonly string[]): Promise<{ perplexity: number; tokens: number }> {
  let nll = 0;
  let n = 0;
  for (const paragraph of paragraphs) {
    const ids = [0, ...model.tokenizer.encode(paragraph)];
    const targets = [...ids.slice(1), 0];
    const { logits, vocabSize } = await model.decoder.forward(ids, model.decoder.emptyState());
    targets.forEach((target, i) => {
      const base = i * vocabSize;
      if (n % 16 === 0) {
        let z = 0;
        for (let j = 0; j < vocabSize; j++) z += Math.exp(logits[base + j] as number);
        if (Math.abs(z - 1) > 1e-4) throw new Error(`row ${i} of a paragraph sums to ${z}`);
      }
      nll -= logits[base + target] as number;
      n++;
    });
  }
  return { perplexity: Math.exp(nll / n), tokens: n };
}

describe("built-in noos-tiny model", () => {
  it("is small enough to commit (< 5 MB in total)", async () => {
    const files = await readdir(MODEL_DIR);
    expect(files.sort()).toEqual(["README.md", "config.json", "model.onnx", "tokenizer.json", "tokenizer_config.json"]);
    let total = 0;
    for (const f of files) total += (await stat(path.join(MODEL_DIR, f))).size;
    expect(total).toBeLessThan(5 * 1024 * 1024);
  });

  it("has a held-out perplexity far below uniform (< vocab / 5)", async () => {
    const heldOut = await readParagraphs(path.join(CORPUS_DIR, "moby-dick-heldout.txt"));
    const train = await readFile(path.join(CORPUS_DIR, "moby-dick-train.txt"), "utf8");
    // Held-out text really is unseen: none of its paragraphs occurs in the training text.
    expect(heldOut.filter((p) => p.length > 40 && train.includes(p))).toEqual([]);
    const { perplexity, tokens } = await onnxPerplexity(heldOut);
    expect(tokens).toBeGreaterThan(10000);
    expect(perplexity).toBeLessThan(model.info.vocabSize / 5);
    expect(perplexity).toBeLessThan(40); // measured 27.3 for vocabulary 512
    // The ONNX log-probabilities are normalised: exp(logits) sums to 1 in every row.
    const { logits, vocabSize } = await model.decoder.forward([0, 262, 300], model.decoder.emptyState());
    for (let i = 0; i < 3; i++) {
      const sum = logits.subarray(i * vocabSize, (i + 1) * vocabSize).reduce((a, v) => a + Math.exp(v), 0);
      expect(sum).toBeCloseTo(1, 4);
    }
  });

  it("writes recognisable English from 'The' (greedy)", async () => {
    const trainWords = new Set(
      ((await readFile(path.join(CORPUS_DIR, "moby-dick-train.txt"), "utf8")).match(/[A-Za-z]+/g) ?? []).map((w) =>
        w.toLowerCase(),
      ),
    );
    for (const prompt of ["The", "The whale", "Call me"]) {
      const { text } = await model.generate(prompt, { maxTokens: 40 });
      const words = ((prompt + text).match(/[A-Za-z]+/g) ?? []).map((w) => w.toLowerCase());
      expect(words.length).toBeGreaterThanOrEqual(8);
      const known = words.filter((w) => trainWords.has(w)).length;
      expect(known / words.length).toBeGreaterThanOrEqual(0.9);
      expect(words.some((w) => ["the", "and", "of", "a", "to", "in"].includes(w))).toBe(true);
    }
  });

  it("sampled text is mostly real words too", async () => {
    const trainWords = new Set(
      ((await readFile(path.join(CORPUS_DIR, "moby-dick-train.txt"), "utf8")).match(/[A-Za-z]+/g) ?? []).map((w) =>
        w.toLowerCase(),
      ),
    );
    const { text } = await model.generate("The", { maxTokens: 200, temperature: 0.7, seed: 1 });
    const words = (text.match(/[A-Za-z]+/g) ?? []).map((w) => w.toLowerCase());
    expect(words.length).toBeGreaterThan(20);
    expect(words.filter((w) => trainWords.has(w)).length / words.length).toBeGreaterThan(0.7);
  });

  describe("rebuilt from the corpus", () => {
    let dir: string;
    let report: BuildReport;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "noos-tiny-"));
      report = await buildBuiltinModel({ outDir: dir });
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("gives byte-identical files to the committed model (the committed model is up to date)", async () => {
      for (const f of ["README.md", "model.onnx", "config.json", "tokenizer.json", "tokenizer_config.json"]) {
        const rebuilt = await readFile(path.join(dir, f));
        const committed = await readFile(path.join(MODEL_DIR, f));
        expect({ f, same: rebuilt.equals(committed) }).toEqual({ f, same: true });
      }
      expect("0x" + report.modelSha256).toBe(model.info.sha256);
    });

    it("reports the same held-out perplexity from its JavaScript tables as the ONNX graph gives", async () => {
      const heldOut = await readParagraphs(path.join(CORPUS_DIR, "moby-dick-heldout.txt"));
      const { perplexity } = await onnxPerplexity(heldOut);
      expect(Math.abs(perplexity - report.heldOutPerplexity) / perplexity).toBeLessThan(1e-4);
      expect(report.vocabSize / report.heldOutPerplexity).toBeGreaterThan(5);
    });

    it("last-position logits of a forward pass equal those of a step-by-step decode", async () => {
      const ids = model.tokenizer.encode("Whaling voyage by one Ishmael.");
      const full = await model.decoder.forward(ids, model.decoder.emptyState());
      let state = model.decoder.emptyState();
      for (let i = 0; i < ids.length; i++) {
        const step = await model.decoder.forward([ids[i] as number], state);
        state = step.state;
        const expected = full.logits.subarray(i * full.vocabSize, (i + 1) * full.vocabSize);
        const got = DecoderSession.lastLogits(step);
        let diff = 0;
        for (let j = 0; j < got.length; j++)
          diff = Math.max(diff, Math.abs((got[j] as number) - (expected[j] as number)));
        expect(diff).toBeLessThan(1e-5);
      }
    });
  });
});
