/**
 * The generation loop: prefill the prompt, then one token per step, feeding present -> past
 * when the model has a KV cache (or re-running the whole sequence when it has none or the
 * caller turns it off). Tokens are chosen greedily or by seeded sampling; generation ends at
 * an end-of-sequence token, a stop sequence (matched on decoded text and not returned), the
 * token limit or the model's context.
 */
import { randomInt } from "node:crypto";
import { DecoderSession, type DecoderState, type ForwardResult } from "./decoder";
import { Prng, isGreedy, selectToken, validateSamplingOptions, type SamplingOptions } from "./sampling";
import type { TextTokenizer } from "./tokenizer";

export interface TextGenerationOptions extends SamplingOptions {
  /** Most tokens to generate (default 64). */
  readonly maxTokens?: number;
  /** Seed of the sampling PRNG; random when omitted. Ignored when greedy. */
  readonly seed?: number;
  /** Generation stops before the first occurrence of any of these strings. */
  readonly stop?: string | readonly string[];
  /** Use the KV cache when the model has one (default true); false re-runs the whole sequence each step. */
  readonly useCache?: boolean;
  /** Keep generating through end-of-sequence tokens (for benchmarks; default false). */
  readonly ignoreEos?: boolean;
  /** Aborts generation between steps; the stream and the result then reject with the signal's reason. */
  readonly signal?: AbortSignal;
}

export type FinishReason = "stop" | "length";

export interface TextGenerationUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

export interface TextGenerationResult {
  /** The completion, without the prompt and without any stop sequence. */
  readonly text: string;
  /** Every generated token id, including an end-of-sequence token or the one that completed a stop sequence. */
  readonly tokens: readonly number[];
  /** "stop": end-of-sequence token or stop sequence; "length": maxTokens or the model's context reached. */
  readonly finishReason: FinishReason;
  readonly usage: TextGenerationUsage;
}

/** One generated token and the text it adds (possibly "" while a stop sequence or a character is incomplete). */
export interface TokenChunk {
  readonly token: number;
  readonly text: string;
}

/**
 * An async generator of chunks whose return value is the final result, plus `result`, which
 * settles when generation ends (awaiting it without iterating runs the generation to the end).
 * Iterate it or await `result`, not both at once.
 */
export interface TextGenerationStream extends AsyncGenerator<TokenChunk, TextGenerationResult> {
  readonly result: Promise<TextGenerationResult>;
}

/** What the loop needs from a loaded model. */
export interface GenerationContext {
  readonly decoder: DecoderSession;
  readonly tokenizer: TextTokenizer;
  readonly eosTokenIds: ReadonlySet<number>;
  readonly maxContext: number;
}

export const DEFAULT_MAX_TOKENS = 64;

function stopList(stop: TextGenerationOptions["stop"]): string[] {
  const list = stop === undefined ? [] : typeof stop === "string" ? [stop] : [...stop];
  return list.filter((s) => s.length > 0);
}

/** Length of the longest suffix of `text` (from `from` on) that is a proper prefix of a stop string. */
function partialStopLength(text: string, from: number, stops: readonly string[]): number {
  let longest = 0;
  for (const s of stops) {
    for (let n = Math.min(s.length - 1, text.length - from); n > longest; n--) {
      if (text.endsWith(s.slice(0, n))) {
        longest = n;
        break;
      }
    }
  }
  return longest;
}

/**
 * Decodes generated tokens incrementally: text that ended on a whole character is kept, and
 * only the tokens after it are decoded again, each time after the token before them (the
 * prompt's last token at first), so decoders that drop a leading space at the start of a text
 * keep it here.
 */
class CompletionText {
  private committed = "";
  private committedTokens = 0;

  constructor(
    private readonly tokenizer: TextTokenizer,
    private readonly promptIds: readonly number[],
  ) {}

  private decodeAfter(anchor: readonly number[], ids: readonly number[]): string {
    if (ids.length === 0) return "";
    const anchorText = this.tokenizer.decode(anchor);
    const withAnchor = this.tokenizer.decode([...anchor, ...ids]);
    return withAnchor.startsWith(anchorText) ? withAnchor.slice(anchorText.length) : this.tokenizer.decode(ids);
  }

  of(generated: readonly number[]): string {
    const n = this.committedTokens;
    const anchor = n > 0 ? generated.slice(n - 1, n) : this.promptIds.slice(-1);
    const tail = this.decodeAfter(anchor, generated.slice(n));
    const text = this.committed + tail;
    if (generated.length - n >= 16 && tail.length > 0 && !tail.endsWith("\ufffd")) {
      this.committed = text;
      this.committedTokens = generated.length;
    }
    return text;
  }
}

function validate(options: TextGenerationOptions): void {
  validateSamplingOptions(options);
  const { maxTokens, seed } = options;
  if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens >= 0)) {
    throw new RangeError(`maxTokens must be an integer >= 0, got ${maxTokens}`);
  }
  if (seed !== undefined && !Number.isSafeInteger(seed))
    throw new RangeError(`seed must be a safe integer, got ${seed}`);
}

/** A prompt as text, or as the model's token ids when the caller has tokenized it already. */
export type Prompt = string | readonly number[];

async function* generateTokens(
  ctx: GenerationContext,
  prompt: Prompt,
  options: TextGenerationOptions,
): AsyncGenerator<TokenChunk, TextGenerationResult> {
  validate(options);
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  const stops = stopList(options.stop);
  // Without a seed, a random one. randomInt takes ranges below 2^48 only: 2^48 itself threw, so every
  // sampled request without a seed failed.
  const rng = isGreedy(options) ? null : new Prng(options.seed ?? randomInt(2 ** 48 - 1));
  const useCache = ctx.decoder.hasCache && options.useCache !== false;

  const promptIds = typeof prompt === "string" ? ctx.tokenizer.encode(prompt) : prompt;
  const promptTokens = promptIds.length;
  const ids = [...promptIds];
  if (ids.length === 0) {
    const bos = ctx.tokenizer.bosTokenId;
    if (bos === undefined) throw new Error("empty prompt and the tokenizer has no BOS token to start from");
    ids.push(bos);
  }
  if (ids.length > ctx.maxContext) {
    throw new RangeError(`prompt has ${ids.length} tokens, more than the model's context of ${ctx.maxContext}`);
  }

  const completion = new CompletionText(ctx.tokenizer, ids);
  const generated: number[] = [];
  const finish = (text: string, finishReason: FinishReason): TextGenerationResult => ({
    text,
    tokens: generated,
    finishReason,
    usage: { promptTokens, completionTokens: generated.length },
  });
  if (maxTokens === 0 || ids.length >= ctx.maxContext) return finish("", "length");

  const maxStop = stops.reduce((m, s) => Math.max(m, s.length), 0);
  let emitted = ""; // text already yielded
  let searched = 0; // stop sequences cannot start before this offset
  let step: ForwardResult;
  const run = async (newIds: readonly number[], state: DecoderState): Promise<ForwardResult> => {
    options.signal?.throwIfAborted();
    return ctx.decoder.forward(newIds, state);
  };
  step = await run(ids, ctx.decoder.emptyState());

  for (;;) {
    const token = selectToken(DecoderSession.lastLogits(step), options, rng);
    generated.push(token);
    ids.push(token);
    const last = generated.length >= maxTokens || ids.length >= ctx.maxContext;

    if (!options.ignoreEos && ctx.eosTokenIds.has(token)) {
      const text = completion.of(generated.slice(0, -1));
      yield { token, text: text.slice(emitted.length) };
      return finish(text, "stop");
    }

    let text = completion.of(generated);
    let stopAt = -1;
    for (const s of stops) {
      const i = text.indexOf(s, searched);
      if (i >= 0 && (stopAt < 0 || i < stopAt)) stopAt = i;
    }
    if (stopAt >= 0) {
      text = text.slice(0, stopAt);
      yield {
        token,
        text: text.startsWith(emitted) ? text.slice(emitted.length) : "",
      };
      return finish(text, "stop");
    }
    searched = Math.max(0, text.length - maxStop + 1);

    if (last) {
      yield {
        token,
        text: text.startsWith(emitted) ? text.slice(emitted.length) : "",
      };
      return finish(text, "length");
    }

    // Hold back an incomplete character and anything that may be the start of a stop sequence.
    let safe = text.length - partialStopLength(text, emitted.length, stops);
    while (safe > emitted.length && text.charCodeAt(safe - 1) === 0xfffd) safe--;
    let delta = "";
    if (safe > emitted.length && text.startsWith(emitted)) {
      delta = text.slice(emitted.length, safe);
      emitted = text.slice(0, safe);
    }
    yield { token, text: delta };

    step = useCache ? await run([token], step.state) : await run(ids, ctx.decoder.emptyState());
  }
}

/** Starts a generation; nothing runs until the stream is iterated or its result awaited. */
export function streamText(
  ctx: GenerationContext,
  prompt: Prompt,
  options: TextGenerationOptions = {},
): TextGenerationStream {
  let settle!: {
    resolve: (r: TextGenerationResult) => void;
    reject: (e: unknown) => void;
  };
  const result = new Promise<TextGenerationResult>((resolve, reject) => (settle = { resolve, reject }));
  result.catch(() => undefined); // a stream closed early must not leave an unhandled rejection
  let started = false;
  let settled = false;

  async function* run(): AsyncGenerator<TokenChunk, TextGenerationResult> {
    started = true;
    try {
      const r = yield* generateTokens(ctx, prompt, options);
      settled = true;
      settle.resolve(r);
      return r;
    } catch (err) {
      settled = true;
      settle.reject(err);
      throw err;
    } finally {
      if (!settled) settle.reject(new Error("the stream was closed before generation finished"));
    }
  }

  const stream = run();
  Object.defineProperty(stream, "result", {
    get(): Promise<TextGenerationResult> {
      if (!started) {
        started = true;
        void (async () => {
          try {
            while (!(await stream.next()).done);
          } catch {
            // the rejection reaches `result`
          }
          if (!settled) settle.reject(new Error("the stream was closed before generation finished"));
        })();
      }
      return result;
    },
  });
  return stream as TextGenerationStream;
}

/** Runs a generation to the end. */
export async function generateText(
  ctx: GenerationContext,
  prompt: Prompt,
  options: TextGenerationOptions = {},
): Promise<TextGenerationResult> {
  return streamText(ctx, prompt, options).result;
}
