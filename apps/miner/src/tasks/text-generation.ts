import type { CallLimits, StreamChunk, TaskHandler, TaskResult } from "./task";
import { MinerHttpError } from "../errors";

/** The part of packages/inference's text-generation model the miner uses. */
export interface TextModel {
  info: { name: string; sha256: string };
  provider: string;
  countTokens(text: string): number;
  generate(prompt: string, opts: GenerateOptions): Promise<GenerateResult>;
  stream(prompt: string, opts: GenerateOptions): AsyncGenerator<{ text: string }, GenerateResult>;
  close(): Promise<void>;
}

export interface GenerateOptions {
  maxTokens: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  signal?: AbortSignal;
}

export interface GenerateResult {
  text: string;
  finishReason: "stop" | "length";
  usage: { promptTokens: number; completionTokens: number };
}

export interface TextInput {
  prompt: string;
  options: GenerateOptions;
  stream: boolean;
}

/** Wire body: { prompt, max_tokens?, temperature?, top_k?, top_p?, seed?, stop?, stream? }. */
export class TextGenerationTask implements TaskHandler<TextInput, GenerateResult> {
  readonly taskId = "text-generation";

  constructor(private readonly model: TextModel) {}

  get modelName(): string {
    return this.model.info.name;
  }

  get modelHash(): string {
    return this.model.info.sha256;
  }

  get provider(): string {
    return this.model.provider;
  }

  parse(body: unknown, limits: CallLimits): TextInput {
    if (typeof body !== "object" || body === null) throw bad("body must be a JSON object");
    const b = body as Record<string, unknown>;
    if (typeof b.prompt !== "string" || b.prompt.length === 0) throw bad("prompt must be a non-empty string");
    const maxTokens = optionalNumber(b, "max_tokens") ?? Math.min(64, limits.maxOutputTokens);
    if (!Number.isInteger(maxTokens) || maxTokens < 1) throw bad("max_tokens must be a positive integer");
    if (maxTokens > limits.maxOutputTokens) {
      throw new MinerHttpError(413, "output-limit", `max_tokens ${maxTokens} is over this subnet's limit of ${limits.maxOutputTokens}`);
    }
    const promptTokens = this.model.countTokens(b.prompt);
    if (promptTokens > limits.maxInputTokens) {
      throw new MinerHttpError(413, "input-limit", `prompt has ${promptTokens} tokens; this subnet allows ${limits.maxInputTokens}`);
    }
    const stop = b.stop === undefined ? undefined : typeof b.stop === "string" ? [b.stop] : b.stop;
    if (stop !== undefined && (!Array.isArray(stop) || stop.some((s) => typeof s !== "string") || stop.length > 4)) {
      throw bad("stop must be a string or up to 4 strings");
    }
    const temperature = optionalNumber(b, "temperature");
    if (temperature !== undefined && (temperature < 0 || temperature > 2)) throw bad("temperature must be within [0, 2]");
    const topP = optionalNumber(b, "top_p");
    if (topP !== undefined && (topP <= 0 || topP > 1)) throw bad("top_p must be within (0, 1]");
    return {
      prompt: b.prompt,
      stream: b.stream === true,
      options: {
        maxTokens,
        temperature,
        topK: optionalNumber(b, "top_k"),
        topP,
        seed: optionalNumber(b, "seed"),
        stop: stop as string[] | undefined,
      },
    };
  }

  wantsStream(input: TextInput): boolean {
    return input.stream;
  }

  async run(input: TextInput, signal: AbortSignal): Promise<TaskResult<GenerateResult>> {
    const output = await this.model.generate(input.prompt, { ...input.options, signal });
    return { output, units: output.usage.completionTokens };
  }

  async *stream(input: TextInput, signal: AbortSignal): AsyncGenerator<StreamChunk, TaskResult<GenerateResult>> {
    const gen = this.model.stream(input.prompt, { ...input.options, signal });
    let next = await gen.next();
    while (!next.done) {
      yield { delta: next.value.text };
      next = await gen.next();
    }
    return { output: next.value, units: next.value.usage.completionTokens };
  }

  close(): Promise<void> {
    return this.model.close();
  }
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
