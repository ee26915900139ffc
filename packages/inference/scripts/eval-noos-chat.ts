/**
 * Re-checks the figures in models/noos-chat/README.md from the committed files, through the
 * repo's own loader (loadTextGenerationModel, onnxruntime-node, @huggingface/tokenizers):
 *
 *   npx tsx packages/inference/scripts/eval-noos-chat.ts [--model DIR] [--items N] [--json FILE]
 *
 * - held-out perplexity of the model on corpus/moby-dick-heldout.txt (every token after the
 *   first, sliding windows of the model's context with a stride of half of it), and of
 *   interpolated Kneser-Ney trigrams (src/text-generation/builtin/ngram.ts) refitted on the same
 *   tokenizer: as noos-tiny is built (top 8 continuations, contexts seen twice) and nearly
 *   unpruned (top 128, every context), on Moby-Dick's training chapters alone and with the SOTU
 *   text the transformer also read; the same tokens are predicted in every case;
 * - the KV cache: cached step-by-step logits against full re-runs (largest difference);
 * - exact-match accuracy per task family on training/eval/*.jsonl (greedy, the question as one
 *   user message rendered with the model's chat template);
 * - greedy decoding speed, batch 1 (64 new tokens after a short prompt, median of 5 runs);
 * - a few samples.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fitTrigram, trigramProb, type TrigramModel } from "../src/text-generation/builtin/ngram";
import { DecoderSession } from "../src/text-generation/decoder";
import { loadTextGenerationModel, type TextGenerationModel } from "../src/text-generation/model";

const PKG = path.resolve(__dirname, "..");
const CORPUS = path.join(PKG, "corpus");

interface Message {
  readonly role: string;
  readonly content: string;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The model's chat template rendered by @huggingface/jinja when it is installed, else the ChatML it spells out. */
async function chatRenderer(modelDir: string): Promise<{ render: (m: Message[]) => string; by: string }> {
  const config = JSON.parse(await readFile(path.join(modelDir, "tokenizer_config.json"), "utf8")) as {
    chat_template?: string;
    bos_token?: string;
    eos_token?: string;
  };
  const chatml = (messages: Message[]): string =>
    messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join("") + "<|im_start|>assistant\n";
  const jinjaModule = "@huggingface/jinja";
  try {
    const { Template } = require(jinjaModule) as {
      Template: new (t: string) => { render(vars: Record<string, unknown>): string };
    };
    const template = new Template(config.chat_template ?? "");
    const render = (messages: Message[]): string =>
      template.render({
        messages,
        add_generation_prompt: true,
        bos_token: config.bos_token,
        eos_token: config.eos_token,
      });
    const probe = [{ role: "user", content: "What is 1 + 2?" }];
    if (render(probe) !== chatml(probe)) throw new Error("chat_template does not render ChatML");
    return { render, by: "@huggingface/jinja" };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw err;
    return { render: chatml, by: "built-in ChatML (install @huggingface/jinja to render chat_template itself)" };
  }
}

function logSoftmaxAt(logits: Float32Array, offset: number, vocab: number, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i] as number);
  let sum = 0;
  for (let i = 0; i < vocab; i++) sum += Math.exp((logits[offset + i] as number) - max);
  return (logits[offset + target] as number) - max - Math.log(sum);
}

/** Perplexity over ids[1..]: windows of `ctx` tokens, each scoring only the targets not scored before. */
async function modelPerplexity(model: TextGenerationModel, ids: readonly number[]): Promise<number> {
  const ctx = model.info.maxContext;
  const stride = ctx / 2;
  let nll = 0;
  let n = 0;
  let scoredUpTo = 0; // targets ids[1..scoredUpTo] are done
  for (let start = 0; scoredUpTo < ids.length - 1; start += stride) {
    const window = ids.slice(start, start + ctx);
    const r = await model.decoder.forward(window, model.decoder.emptyState());
    for (let j = 0; j + 1 < window.length; j++) {
      const target = start + j + 1;
      if (target <= scoredUpTo) continue;
      nll -= logSoftmaxAt(r.logits, j * r.vocabSize, r.vocabSize, window[j + 1] as number);
      n++;
    }
    scoredUpTo = start + window.length - 1;
  }
  return Math.exp(nll / n);
}

function trigramPerplexity(tri: TrigramModel, ids: readonly number[]): number {
  let nll = 0;
  for (let t = 1; t < ids.length; t++) {
    const a = t >= 2 ? (ids[t - 2] as number) : tri.bosId;
    nll -= Math.log(trigramProb(tri, a, ids[t - 1] as number, ids[t] as number));
  }
  return Math.exp(nll / (ids.length - 1));
}

async function cacheCheck(decoder: DecoderSession, ids: readonly number[]): Promise<number> {
  let maxDiff = 0;
  let state = decoder.emptyState();
  let step = await decoder.forward(ids.slice(0, 8), state);
  for (let t = 8; t < ids.length; t++) {
    step = await decoder.forward([ids[t] as number], step.state);
    const full = await decoder.forward(ids.slice(0, t + 1), decoder.emptyState());
    const a = DecoderSession.lastLogits(step);
    const b = DecoderSession.lastLogits(full);
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
  }
  state = step.state;
  return maxDiff;
}

async function main(): Promise<void> {
  const modelDir = path.resolve(arg("--model") ?? path.join(PKG, "models", "noos-chat"));
  const itemLimit = Number(arg("--items") ?? Infinity);
  const model = await loadTextGenerationModel(modelDir, { sessionOptions: { intraOpNumThreads: 2 } });
  const { render, by } = await chatRenderer(modelDir);
  const encode = (text: string): number[] => model.tokenizer.encode(text, { addSpecialTokens: false });
  const report: Record<string, unknown> = { model: model.info.name, sha256: model.info.sha256 };
  console.log(
    `${model.info.name}: vocabulary ${model.info.vocabSize}, context ${model.info.maxContext}, chat template by ${by}`,
  );

  // Perplexity: same held-out tokens for every model.
  const heldOut = encode(await readFile(path.join(CORPUS, "moby-dick-heldout.txt"), "utf8"));
  const moby = encode(await readFile(path.join(CORPUS, "moby-dick-train.txt"), "utf8"));
  const sotuText = await readFile(path.join(CORPUS, "sotu-1845-1865.txt"), "utf8");
  const sotu = sotuText
    .split("Annual Message of")
    .slice(1)
    .map((d) => encode(`Annual Message of${d}`.trim() + "\n"));
  const V = model.info.vocabSize;
  const eot = model.tokenizer.tokenToId("<|endoftext|>") ?? 0;
  const ppl: Record<string, number> = {};
  ppl["transformer"] = await modelPerplexity(model, heldOut);
  for (const [label, docs] of [
    ["moby-dick", [moby]],
    ["moby-dick+sotu", [moby, ...sotu]],
  ] as const) {
    ppl[`trigram ${label}, noos-tiny pruning (top 8, contexts seen twice)`] = trigramPerplexity(
      fitTrigram(docs, V, eot, { topK: 8, minContextCount: 2 }),
      heldOut,
    );
    ppl[`trigram ${label}, nearly unpruned (top 128, every context)`] = trigramPerplexity(
      fitTrigram(docs, V, eot, { topK: 128, minContextCount: 1 }),
      heldOut,
    );
  }
  console.log(`\nheld-out perplexity per token (${heldOut.length - 1} tokens of moby-dick-heldout.txt):`);
  for (const [k, v] of Object.entries(ppl)) console.log(`  ${v.toFixed(2).padStart(8)}  ${k}`);
  report["perplexity"] = ppl;
  report["heldOutTokens"] = heldOut.length - 1;

  const cacheDiff = await cacheCheck(model.decoder, heldOut.slice(0, 72));
  console.log(`\nKV cache: largest |cached - uncached| logit over 64 steps: ${cacheDiff.toExponential(2)}`);
  report["cacheMaxDiff"] = cacheDiff;

  // Task accuracy.
  const accuracy: Record<string, { correct: number; total: number }> = {};
  const misses: Record<string, string[]> = {};
  for (const family of ["arithmetic", "reverse"]) {
    const lines = (await readFile(path.join(PKG, "training", "eval", `${family}.jsonl`), "utf8")).trim().split("\n");
    const items = lines.slice(0, itemLimit).map((l) => JSON.parse(l) as { question: string; answer: string });
    let correct = 0;
    misses[family] = [];
    for (const it of items) {
      const r = await model.generate(render([{ role: "user", content: it.question }]), {
        maxTokens: 48,
        temperature: 0,
      });
      if (r.text === it.answer) correct++;
      else if (misses[family]!.length < 5)
        misses[family]!.push(`${it.question} -> ${JSON.stringify(r.text)} (want ${it.answer})`);
    }
    accuracy[family] = { correct, total: items.length };
    console.log(`\n${family}: ${correct}/${items.length} exact (${((100 * correct) / items.length).toFixed(1)}%)`);
    for (const m of misses[family]!) console.log(`  miss: ${m}`);
  }
  report["accuracy"] = accuracy;

  // Speed: greedy, batch 1, 64 new tokens.
  const prompt = "The ship sailed";
  await model.generate(prompt, { maxTokens: 16, temperature: 0, ignoreEos: true });
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = await model.generate(prompt, { maxTokens: 64, temperature: 0, ignoreEos: true });
    runs.push(r.tokens.length / ((performance.now() - t0) / 1000));
  }
  runs.sort((a, b) => a - b);
  const tps = runs[2] as number;
  console.log(
    `\ngreedy decoding, batch 1, 64 new tokens after "${prompt}": ${tps.toFixed(0)} tokens/s (median of 5; range ${runs[0]!.toFixed(0)}-${runs[4]!.toFixed(0)})`,
  );
  report["tokensPerSecond"] = tps;

  // Samples.
  const samples: { prompt: string; text: string }[] = [];
  for (const p of ["Call me Ishmael. Some years ago", "The whale", "It was a dark night, and the sea"]) {
    const r = await model.generate(p, { maxTokens: 60, temperature: 0 });
    samples.push({ prompt: p, text: r.text });
  }
  for (const q of [
    "What is 58 + 27?",
    "What is 91 - 46?",
    "Reverse the list: salt, rope, anchor.",
    "Who are you?",
    "Tell me about the sea.",
  ]) {
    const r = await model.generate(render([{ role: "user", content: q }]), { maxTokens: 60, temperature: 0 });
    samples.push({ prompt: `[chat] ${q}`, text: r.text });
  }
  for (const seed of [1, 2]) {
    const p = "The captain stood upon the deck";
    const r = await model.generate(p, { maxTokens: 60, temperature: 0.8, topP: 0.95, seed });
    samples.push({ prompt: `${p} (temperature 0.8, top_p 0.95, seed ${seed})`, text: r.text });
  }
  console.log("\nsamples:");
  for (const s of samples) console.log(`  ${s.prompt}\n    -> ${JSON.stringify(s.text)}`);
  report["samples"] = samples;

  const jsonOut = arg("--json");
  if (jsonOut) await writeFile(jsonOut, `${JSON.stringify(report, null, 2)}\n`);
  await model.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
