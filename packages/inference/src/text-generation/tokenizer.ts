/**
 * A model's own tokenizer, loaded from its Hugging Face `tokenizer.json` (and the optional
 * `tokenizer_config.json`) and run by @huggingface/tokenizers.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";

export interface TextTokenizer {
  /** Token ids of `text`, with the special tokens the tokenizer's post-processor adds (e.g. BOS). */
  encode(text: string, options?: { readonly addSpecialTokens?: boolean }): number[];
  /** Text of `ids`; special tokens are skipped unless asked for. Empty input gives "". */
  decode(ids: readonly number[], options?: { readonly skipSpecialTokens?: boolean }): string;
  tokenToId(token: string): number | undefined;
  /** Number of ids, added tokens included. */
  readonly vocabSize: number;
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
}

type TokenSpec = string | { readonly content?: string } | null | undefined;

function tokenContent(spec: TokenSpec): string | undefined {
  if (typeof spec === "string") return spec;
  if (spec && typeof spec === "object" && typeof spec.content === "string") return spec.content;
  return undefined;
}

/** Wraps parsed `tokenizer.json` / `tokenizer_config.json` objects. */
export function createTokenizer(tokenizerJson: object, tokenizerConfig: Record<string, unknown> = {}): TextTokenizer {
  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  // Decoding stays verbatim unless the config asks for the legacy clean-up of spaces.
  const cleanUp = tokenizerConfig["clean_up_tokenization_spaces"] === true;
  const idOf = (spec: unknown): number | undefined => {
    const content = tokenContent(spec as TokenSpec);
    return content === undefined ? undefined : tokenizer.token_to_id(content);
  };
  const vocab = tokenizer.get_vocab(true);
  let vocabSize = 0;
  for (const id of vocab.values()) vocabSize = Math.max(vocabSize, id + 1);
  return {
    encode: (text, options) =>
      tokenizer.encode(text, {
        add_special_tokens: options?.addSpecialTokens ?? true,
      }).ids,
    decode: (ids, options) =>
      ids.length === 0
        ? ""
        : tokenizer.decode([...ids], {
            skip_special_tokens: options?.skipSpecialTokens ?? true,
            clean_up_tokenization_spaces: cleanUp,
          }),
    tokenToId: (token) => tokenizer.token_to_id(token),
    vocabSize,
    bosTokenId: idOf(tokenizerConfig["bos_token"]),
    eosTokenId: idOf(tokenizerConfig["eos_token"]),
  };
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
}

/** Loads `tokenizer.json` and, when present, `tokenizer_config.json` from a model folder. */
export async function loadTokenizer(dir: string): Promise<TextTokenizer> {
  const json = await readJson(path.join(dir, "tokenizer.json")).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") throw new Error(`no tokenizer.json in ${dir}: export the model's tokenizer next to it`);
    throw err;
  });
  const config = await readJson(path.join(dir, "tokenizer_config.json")).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return {};
    throw err;
  });
  return createTokenizer(json, config);
}
