import { randomBytes } from "node:crypto";

/** OpenAI response shapes the gateway sends (the fields OpenAI's own API sends, in its order). */

export type FinishReason = "stop" | "length";

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** NOOS this request cost, as a decimal string of NOOS (e.g. "0.001"). */
  noos_charged: string;
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: "assistant"; content: string; refusal: null };
    logprobs: null;
    finish_reason: FinishReason;
  }[];
  usage: OpenAIUsage;
  system_fingerprint: string;
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  system_fingerprint: string;
  choices: {
    index: number;
    delta: { role?: "assistant"; content?: string };
    logprobs: null;
    finish_reason: FinishReason | null;
  }[];
  usage?: OpenAIUsage | null;
}

export interface Completion {
  id: string;
  object: "text_completion";
  created: number;
  model: string;
  choices: { text: string; index: number; logprobs: null; finish_reason: FinishReason | null }[];
  usage?: OpenAIUsage | null;
  system_fingerprint: string;
}

export interface ModelEntry {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** An id like OpenAI's: prefix + 29 base62 characters (e.g. chatcmpl-AbC...). */
export function openAIId(prefix: "chatcmpl" | "cmpl" | "ocr"): string {
  const bytes = randomBytes(29);
  let out = "";
  for (const b of bytes) out += ID_ALPHABET[b % ID_ALPHABET.length];
  return `${prefix}-${out}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The fingerprint of the backend that answered: the model's hash, as OpenAI names its builds. */
export function fingerprint(modelHash: string): string {
  return `fp_${modelHash.replace(/^0x/, "").slice(0, 10)}`;
}

/** The per-response fields shared by every chunk of one answer. */
export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
  fingerprint: string;
}

export function chatCompletion(
  meta: ResponseMeta,
  content: string,
  finish: FinishReason,
  usage: OpenAIUsage,
): ChatCompletion {
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [
      { index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: finish },
    ],
    usage,
    system_fingerprint: meta.fingerprint,
  };
}

/**
 * Streaming chat chunks as OpenAI sends them: the first carries the role and empty content, then
 * content deltas, then one with an empty delta and the finish reason; with
 * `stream_options.include_usage` every chunk has `usage: null` and a last chunk with no choices
 * carries the usage.
 */
export function chatChunk(
  meta: ResponseMeta,
  delta: { role?: "assistant"; content?: string },
  finish: FinishReason | null,
  includeUsage: boolean,
): ChatCompletionChunk {
  const chunk: ChatCompletionChunk = {
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.fingerprint,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
  if (includeUsage) chunk.usage = null;
  return chunk;
}

export function chatUsageChunk(meta: ResponseMeta, usage: OpenAIUsage): ChatCompletionChunk {
  return {
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.fingerprint,
    choices: [],
    usage,
  };
}

export function completion(meta: ResponseMeta, text: string, finish: FinishReason, usage: OpenAIUsage): Completion {
  return {
    id: meta.id,
    object: "text_completion",
    created: meta.created,
    model: meta.model,
    choices: [{ text, index: 0, logprobs: null, finish_reason: finish }],
    usage,
    system_fingerprint: meta.fingerprint,
  };
}

export function completionChunk(
  meta: ResponseMeta,
  text: string,
  finish: FinishReason | null,
  includeUsage: boolean,
): Completion {
  const chunk: Completion = {
    id: meta.id,
    object: "text_completion",
    created: meta.created,
    model: meta.model,
    choices: [{ text, index: 0, logprobs: null, finish_reason: finish }],
    system_fingerprint: meta.fingerprint,
  };
  if (includeUsage) chunk.usage = null;
  return chunk;
}

export function completionUsageChunk(meta: ResponseMeta, usage: OpenAIUsage): Completion {
  return {
    id: meta.id,
    object: "text_completion",
    created: meta.created,
    model: meta.model,
    choices: [],
    usage,
    system_fingerprint: meta.fingerprint,
  };
}

export function usageOf(promptTokens: number, completionTokens: number, noosCharged: string): OpenAIUsage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    noos_charged: noosCharged,
  };
}
