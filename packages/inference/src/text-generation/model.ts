/**
 * Loads a decoder-only model from a Hugging Face style export folder:
 *
 *   config.json              (required) layers, heads, head dim, vocab, context, eos_token_id
 *   tokenizer.json           (required) run by @huggingface/tokenizers
 *   tokenizer_config.json    (optional) bos/eos tokens, decoding options
 *   generation_config.json   (optional) eos_token_id
 *   model.onnx or onnx/model.onnx
 */
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import {
  createSession,
  sha256File,
  type Device,
  type Logger as SessionLogger,
  type SessionOptions,
} from "../session/index";
import { DecoderSession, describeDecoder, type DecoderModelConfig } from "./decoder";
import {
  generateText,
  streamText,
  type Prompt,
  type GenerationContext,
  type TextGenerationOptions,
  type TextGenerationResult,
  type TextGenerationStream,
} from "./generate";
import { loadTokenizer, type TextTokenizer } from "./tokenizer";

export interface LoadTextGenerationModelOptions {
  /** Where to run: `cpu` (default here), `cuda`, or `auto` (CUDA if usable, else CPU with a warning). */
  readonly device?: Device;
  /** Logs the CUDA fallback under `auto`. */
  readonly logger?: SessionLogger;
  /** Overrides the model's name (default: config.json `_name_or_path`, else the folder's name). */
  readonly name?: string;
  /** onnxruntime session options (threads, optimisation level); the device picks the providers. */
  readonly sessionOptions?: SessionOptions;
}

export interface TextGenerationModelInfo {
  readonly name: string;
  readonly vocabSize: number;
  /** Most tokens (prompt + completion) one generation may hold. */
  readonly maxContext: number;
  /** sha256 of the ONNX file, 0x-prefixed hex: the on-chain bytes32 model id. */
  readonly sha256: string;
  /** Whether the model takes past_key_values (one token per decode step). */
  readonly kvCache: boolean;
  readonly modelPath: string;
}

export interface TextGenerationModel {
  /** `prompt`: text, or the model's token ids (when the caller tokenized it, e.g. to check a limit). */
  generate(prompt: Prompt, options?: TextGenerationOptions): Promise<TextGenerationResult>;
  stream(prompt: Prompt, options?: TextGenerationOptions): TextGenerationStream;
  /** Tokens `text` takes as a prompt (special tokens the tokenizer adds included). */
  countTokens(text: string): number;
  readonly info: TextGenerationModelInfo;
  /** The execution provider the session actually got ("cpu" or "cuda"). */
  readonly provider: string;
  readonly tokenizer: TextTokenizer;
  /** The underlying decoder session (for benchmarks and custom loops). */
  readonly decoder: DecoderSession;
  close(): Promise<void>;
}

/** config.json fields read here besides the decoder's. */
interface ModelConfig extends DecoderModelConfig {
  readonly _name_or_path?: string;
  readonly max_position_embeddings?: number;
  readonly n_positions?: number;
  readonly n_ctx?: number;
  readonly seq_length?: number;
  readonly eos_token_id?: number | number[] | null;
}

const DEFAULT_MAX_CONTEXT = 2048;

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function readJson<T>(file: string, required: boolean): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" && !required) return undefined;
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new Error(`${path.basename(file)} missing in ${path.dirname(file)}`);
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** The ONNX file of an export folder: model.onnx, else onnx/model.onnx. */
export async function findModelFile(dir: string): Promise<string> {
  for (const candidate of [path.join(dir, "model.onnx"), path.join(dir, "onnx", "model.onnx")]) {
    if (await exists(candidate)) return candidate;
  }
  throw new Error(`no model.onnx or onnx/model.onnx in ${dir}`);
}

function ids(value: unknown): number[] {
  if (typeof value === "number") return [value];
  if (Array.isArray(value)) return value.filter((v): v is number => typeof v === "number");
  return [];
}

export async function loadTextGenerationModel(
  dir: string,
  options: LoadTextGenerationModelOptions = {},
): Promise<TextGenerationModel> {
  const config = (await readJson<ModelConfig>(path.join(dir, "config.json"), true)) as ModelConfig;
  const generationConfig = await readJson<{ eos_token_id?: number | number[] }>(
    path.join(dir, "generation_config.json"),
    false,
  );
  const tokenizer = await loadTokenizer(dir);
  const modelPath = await findModelFile(dir);
  const [hashed, created] = await Promise.allSettled([
    sha256File(modelPath),
    createSession(modelPath, {
      device: options.device ?? "cpu",
      logger: options.logger,
      sessionOptions: options.sessionOptions,
    }),
  ]);
  if (created.status === "rejected") throw created.reason;
  const { session, provider } = created.value;
  let decoder: DecoderSession;
  let sha256: string;
  try {
    if (hashed.status === "rejected") throw hashed.reason;
    sha256 = hashed.value;
    decoder = new DecoderSession(session, describeDecoder(session, config));
  } catch (err) {
    await session.release();
    throw err;
  }

  const eosTokenIds = new Set([...ids(config.eos_token_id), ...ids(generationConfig?.eos_token_id)]);
  if (tokenizer.eosTokenId !== undefined) eosTokenIds.add(tokenizer.eosTokenId);
  const logitsMeta = session.outputMetadata.find((m) => m.name === "logits");
  const logitsVocab = logitsMeta?.isTensor ? logitsMeta.shape[logitsMeta.shape.length - 1] : undefined;
  const vocabSize = typeof logitsVocab === "number" ? logitsVocab : (config.vocab_size ?? tokenizer.vocabSize);
  const maxContext =
    [config.max_position_embeddings, config.n_positions, config.n_ctx, config.seq_length].find(
      (v): v is number => typeof v === "number" && v > 0,
    ) ?? DEFAULT_MAX_CONTEXT;

  const info: TextGenerationModelInfo = {
    name: options.name ?? config._name_or_path ?? path.basename(path.resolve(dir)),
    vocabSize,
    maxContext,
    sha256,
    kvCache: decoder.hasCache,
    modelPath,
  };
  const ctx: GenerationContext = {
    decoder,
    tokenizer,
    eosTokenIds,
    maxContext,
  };
  let closed = false;
  const open = (): GenerationContext => {
    if (closed) throw new Error(`model ${info.name} is closed`);
    return ctx;
  };

  return {
    generate: async (prompt, opts) => generateText(open(), prompt, opts),
    stream: (prompt, opts) => streamText(open(), prompt, opts),
    countTokens: (text) => tokenizer.encode(text).length,
    info,
    provider,
    tokenizer,
    decoder,
    close: async () => {
      if (closed) return;
      closed = true;
      await decoder.release();
    },
  };
}

/** Models this package builds itself (scripts/build-builtin-model.ts). */
export const BUILTIN_MODELS = ["noos-tiny"] as const;
export type BuiltinModelName = (typeof BUILTIN_MODELS)[number];

/** Folder of a built-in model, ready for loadTextGenerationModel. */
export function builtinModelPath(name: BuiltinModelName): string {
  if (!(BUILTIN_MODELS as readonly string[]).includes(name))
    throw new Error(`unknown built-in model ${name} (have: ${BUILTIN_MODELS.join(", ")})`);
  return path.resolve(__dirname, "..", "..", "models", name);
}
