/**
 * Builds the built-in `noos-tiny` model: a byte-level BPE vocabulary and an interpolated
 * Kneser-Ney trigram model fitted on the public-domain corpus in packages/inference/corpus,
 * written as a Hugging Face style export folder (model.onnx, config.json, tokenizer.json,
 * tokenizer_config.json). Deterministic: the same corpus gives byte-identical files.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createTokenizer } from "../tokenizer";
import { tokenizerConfigJson, tokenizerJson, trainBpe } from "./bpe-trainer";
import { fitTrigram, perplexity } from "./ngram";
import { buildNgramDecoder } from "./ngram-graph";

export interface BuildOptions {
  /** Folder the model files are written to. */
  readonly outDir: string;
  readonly trainCorpus?: string;
  readonly heldOutCorpus?: string;
  readonly vocabSize?: number;
  readonly topK?: number;
  readonly minContextCount?: number;
  readonly maxContext?: number;
  readonly name?: string;
}

export interface BuildReport {
  readonly outDir: string;
  readonly vocabSize: number;
  readonly merges: number;
  readonly trainTokens: number;
  readonly contexts: number;
  readonly discounts: readonly number[];
  /** Held-out per-token perplexity computed in JavaScript from the fitted tables. */
  readonly heldOutPerplexity: number;
  readonly files: Readonly<Record<string, number>>;
  readonly totalBytes: number;
  readonly modelSha256: string;
}

export const CORPUS_DIR = path.resolve(__dirname, "..", "..", "..", "corpus");
export const SPECIAL_TOKEN = "<|endoftext|>";

/** Paragraphs of a corpus file: its non-empty lines. */
export async function readParagraphs(file: string): Promise<string[]> {
  return (await readFile(file, "utf8")).split("\n").filter((line) => line.trim().length > 0);
}

export async function buildBuiltinModel(options: BuildOptions): Promise<BuildReport> {
  const name = options.name ?? "noos-tiny";
  const vocabSize = options.vocabSize ?? 512;
  const maxContext = options.maxContext ?? 2048;
  const trainFile = options.trainCorpus ?? path.join(CORPUS_DIR, "moby-dick-train.txt");
  const heldOutFile = options.heldOutCorpus ?? path.join(CORPUS_DIR, "moby-dick-heldout.txt");
  const train = await readParagraphs(trainFile);
  const heldOut = await readParagraphs(heldOutFile);

  const bpe = trainBpe(train, { vocabSize, specialToken: SPECIAL_TOKEN });
  const tokJson = tokenizerJson(bpe);
  const tokConfig = tokenizerConfigJson(bpe, maxContext);
  const tokenizer = createTokenizer(tokJson, tokConfig);
  const encode = (docs: readonly string[]): number[][] =>
    docs.map((d) => tokenizer.encode(d, { addSpecialTokens: false }));
  const trainIds = encode(train);
  const V = tokenizer.vocabSize;

  const model = fitTrigram(trainIds, V, 0, {
    topK: options.topK ?? 8,
    minContextCount: options.minContextCount ?? 2,
  });
  const onnxBytes = buildNgramDecoder(model, { name });
  const corpusSha = createHash("sha256")
    .update(await readFile(trainFile))
    .digest("hex");
  const config = {
    _name_or_path: name,
    architectures: ["NoosNgramForCausalLM"],
    model_type: "noos-ngram",
    ngram_order: 3,
    vocab_size: V,
    num_hidden_layers: 1,
    num_attention_heads: 1,
    num_key_value_heads: 1,
    hidden_size: 1,
    head_dim: 1,
    max_position_embeddings: maxContext,
    bos_token_id: 0,
    eos_token_id: 0,
    kn_discounts: model.discounts.map((d) => Number(d.toFixed(6))),
    trigram_contexts: model.contextKeys.length,
    trigram_top_k: model.topK,
    corpus: path.basename(trainFile),
    corpus_sha256: corpusSha,
    torch_dtype: "float32",
  };

  const heldOutPerplexity = perplexity(model, encode(heldOut));
  const files: Record<string, string | Uint8Array> = {
    "README.md": modelCard({
      name,
      vocabSize: V,
      merges: bpe.merges.length,
      trainTokens: trainIds.reduce((n, d) => n + d.length, 0),
      contexts: model.contextKeys.length,
      topK: model.topK,
      discounts: model.discounts,
      heldOutPerplexity,
      maxContext,
      trainFile: path.basename(trainFile),
      heldOutFile: path.basename(heldOutFile),
    }),
    "model.onnx": onnxBytes,
    "config.json": `${JSON.stringify(config, null, 2)}\n`,
    "tokenizer.json": `${JSON.stringify(tokJson)}\n`,
    "tokenizer_config.json": `${JSON.stringify(tokConfig, null, 2)}\n`,
  };
  await mkdir(options.outDir, { recursive: true });
  const sizes: Record<string, number> = {};
  for (const [file, content] of Object.entries(files)) {
    await writeFile(path.join(options.outDir, file), content);
    sizes[file] = typeof content === "string" ? Buffer.byteLength(content) : content.byteLength;
  }

  return {
    outDir: options.outDir,
    vocabSize: V,
    merges: bpe.merges.length,
    trainTokens: trainIds.reduce((n, d) => n + d.length, 0),
    contexts: model.contextKeys.length,
    discounts: model.discounts,
    heldOutPerplexity,
    files: sizes,
    totalBytes: Object.values(sizes).reduce((a, b) => a + b, 0),
    modelSha256: createHash("sha256").update(onnxBytes).digest("hex"),
  };
}

interface CardFacts {
  readonly name: string;
  readonly vocabSize: number;
  readonly merges: number;
  readonly trainTokens: number;
  readonly contexts: number;
  readonly topK: number;
  readonly discounts: readonly number[];
  readonly heldOutPerplexity: number;
  readonly maxContext: number;
  readonly trainFile: string;
  readonly heldOutFile: string;
}

function modelCard(f: CardFacts): string {
  return `# ${f.name}

The built-in text-generation model of \`@noosphere/inference\`, written by
\`packages/inference/scripts/build-builtin-model.ts\` (do not edit these files by hand; rebuild).

- **What it is**: an interpolated Kneser-Ney trigram language model (discounts
  ${f.discounts.map((d) => d.toFixed(3)).join(" / ")} for uni/bi/trigrams) over a byte-level BPE vocabulary of
  ${f.vocabSize} tokens (${f.merges} merges), exported as an ONNX causal-LM decoder with the standard names
  (\`input_ids\`, \`attention_mask\`, \`past_key_values.0.key/value\` -> \`present.0.key/value\`, \`logits\`).
  Its "KV cache" carries the token ids seen so far, from which each position reads its two-token context.
  ${f.contexts} contexts keep up to ${f.topK} trigram continuations; others back off to the dense bigram table.
- **Fitted on**: \`corpus/${f.trainFile}\` (${f.trainTokens} tokens), public-domain text (see corpus/README.md).
- **Held-out perplexity**: ${f.heldOutPerplexity.toFixed(2)} per token on \`corpus/${f.heldOutFile}\`
  (uniform over the vocabulary: ${f.vocabSize}).
- **Context**: ${f.maxContext} tokens (a limit of the generation loop; the model itself has none).
- **Use**: \`loadTextGenerationModel(builtinModelPath("${f.name}"))\`. It writes Melville-flavoured English words and
  phrases, and loops under greedy decoding, as n-gram models do; it is for tests, devnets and demos.
- **Licence**: MIT, as the rest of the repository; the corpus is in the public domain.
`;
}
