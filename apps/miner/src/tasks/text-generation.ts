import type { TextGenerationModel, TextGenerationOptions } from "@noosphere/inference";
import type { CallLimits, StreamChunk, TaskHandler, TaskResult } from "./task";
import { MinerHttpError } from "../errors";

/** The part of packages/inference's text-generation model the miner uses. */
export type TextModel = Pick<TextGenerationModel, "info" | "provider" | "tokenizer" | "generate" | "stream" | "close">;

export interface TextInput {
  prompt: string;
  /** The subnet's input limit in tokens, checked when the prompt is tokenized for the model. */
  maxInputTokens: number;
  options: TextGenerationOptions;
  stream: boolean;
}

/** The answer of a text-generation request. */
export interface TextOutput {
  text: string;
  finishReason: "stop" | "length";
  usage: { promptTokens: number; completionTokens: number };
}

const MAX_STOP_SEQUENCES = 4;
const MAX_STOP_LENGTH = 64;

/**
 * Wire body: `{ prompt, max_tokens?, temperature?, top_k?, top_p?, seed?, stop?, stream? }`.
 * Answer: `{ text, finishReason, usage: { promptTokens, completionTokens } }`; with `stream`,
 * server-sent `{ delta }` events first. max_tokens defaults to min(64, the subnet's limit).
 */
export class TextGenerationTask implements TaskHandler<TextInput, TextOutput> {
  readonly taskId = "text-generation";
  /** Generation checks its signal before every token, so an aborted run stops within one step. */
  readonly speculative = true;
  /** A prompt within any subnet's input limit fits many times over; larger bodies are refused unread. */
  readonly maxBodyBytes = 1024 * 1024;

  constructor(private readonly model: TextModel) {}

  get modelName(): string {
    return this.model.info.name;
  }

  get modelHash(): string {
    const hex = this.model.info.sha256.toLowerCase();
    return hex.startsWith("0x") ? hex : `0x${hex}`;
  }

  get provider(): string {
    return this.model.provider;
  }

  parse(body: unknown, limits: CallLimits): TextInput {
    return parseTextRequest(body, limits);
  }

  wantsStream(input: TextInput): boolean {
    return input.stream;
  }

  async run(input: TextInput, signal: AbortSignal): Promise<TaskResult<TextOutput>> {
    const result = await this.model.generate(this.promptIds(input), { ...input.options, signal });
    return { output: toOutput(result), units: result.usage.completionTokens };
  }

  async *stream(input: TextInput, signal: AbortSignal): AsyncGenerator<StreamChunk, TaskResult<TextOutput>> {
    const gen = this.model.stream(this.promptIds(input), { ...input.options, signal });
    let next = await gen.next();
    while (!next.done) {
      yield { delta: next.value.text };
      next = await gen.next();
    }
    return { output: toOutput(next.value), units: next.value.usage.completionTokens };
  }

  close(): Promise<void> {
    return this.model.close();
  }

  /** The prompt tokenized once, for the limit and the model alike (413 over the subnet's limit). */
  private promptIds(input: TextInput): number[] {
    const ids = this.model.tokenizer.encode(input.prompt);
    if (ids.length > input.maxInputTokens) {
      throw new MinerHttpError(
        413,
        "input-limit",
        `prompt has ${ids.length} tokens; this subnet allows ${input.maxInputTokens}`,
      );
    }
    return ids;
  }
}

/**
 * Validates a text-generation wire body against the subnet's limits (400 malformed, 413 over a
 * limit). The prompt's tokens are counted by the task when it tokenizes it for the model.
 */
export function parseTextRequest(body: unknown, limits: CallLimits): TextInput {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw bad("body must be a JSON object");
  const b = body as Record<string, unknown>;
  if (typeof b.prompt !== "string" || b.prompt.length === 0) throw bad("prompt must be a non-empty string");
  const maxTokens = optionalNumber(b, "max_tokens") ?? Math.min(64, limits.maxOutputTokens);
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw bad("max_tokens must be a positive integer");
  if (maxTokens > limits.maxOutputTokens) {
    throw new MinerHttpError(
      413,
      "output-limit",
      `max_tokens ${maxTokens} is over this subnet's limit of ${limits.maxOutputTokens}`,
    );
  }
  // The token count is checked where the prompt is tokenized for the model (one tokenizer pass);
  // a prompt longer than any tokenizer could fit in the limit (32 characters a token) stops here.
  if (b.prompt.length > limits.maxInputTokens * 32) {
    throw new MinerHttpError(
      413,
      "input-limit",
      `prompt of ${b.prompt.length} characters is over this subnet's limit of ${limits.maxInputTokens} tokens`,
    );
  }
  const stop = b.stop === undefined || b.stop === null ? undefined : typeof b.stop === "string" ? [b.stop] : b.stop;
  if (
    stop !== undefined &&
    (!Array.isArray(stop) ||
      stop.length > MAX_STOP_SEQUENCES ||
      stop.some((s) => typeof s !== "string" || s.length === 0 || s.length > MAX_STOP_LENGTH))
  ) {
    throw bad(
      `stop must be a string or up to ${MAX_STOP_SEQUENCES} non-empty strings of at most ${MAX_STOP_LENGTH} characters`,
    );
  }
  const temperature = optionalNumber(b, "temperature");
  if (temperature !== undefined && (temperature < 0 || temperature > 2)) throw bad("temperature must be within [0, 2]");
  const topP = optionalNumber(b, "top_p");
  if (topP !== undefined && (topP <= 0 || topP > 1)) throw bad("top_p must be within (0, 1]");
  const topK = optionalNumber(b, "top_k");
  if (topK !== undefined && (!Number.isInteger(topK) || topK < 0)) throw bad("top_k must be an integer >= 0");
  const seed = optionalNumber(b, "seed");
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw bad("seed must be an integer");
  if (b.stream !== undefined && typeof b.stream !== "boolean") throw bad("stream must be true or false");
  return {
    prompt: b.prompt,
    maxInputTokens: limits.maxInputTokens,
    stream: b.stream === true,
    options: { maxTokens, temperature, topK, topP, seed, stop: stop as string[] | undefined },
  };
}

function toOutput(result: Awaited<ReturnType<TextModel["generate"]>>): TextOutput {
  return {
    text: result.text,
    finishReason: result.finishReason,
    usage: { promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens },
  };
}

function bad(message: string): MinerHttpError {
  return new MinerHttpError(400, "invalid-request", message);
}

function optionalNumber(b: Record<string, unknown>, key: string): number | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw bad(`${key} must be a number`);
  return v;
}
