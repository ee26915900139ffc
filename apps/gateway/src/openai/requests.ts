import { errors } from "../errors";

/** A text-generation request, whichever OpenAI endpoint it came in on. */
export interface TextJob {
  model: string;
  prompt: string;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  stop?: string[];
  stream: boolean;
  includeUsage: boolean;
}

/** Most stop sequences a miner takes (OpenAI's limit too). */
export const MAX_STOP = 4;

/** The stop sequence a chat adds so the model does not write the user's next turn. */
export const CHAT_TURN_STOP = "\nUser:";

type Body = Record<string, unknown>;

function asBody(body: unknown): Body {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw errors.invalidRequest("The request body must be a JSON object.");
  }
  return body as Body;
}

function optNumber(b: Body, key: string, min: number, max: number, integer = false): number | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
    const kind = integer ? "an integer" : "a number";
    throw errors.invalidRequest(`'${key}' must be ${kind} in [${min}, ${max}]; got ${JSON.stringify(v)}.`, key);
  }
  return v;
}

function optStop(b: Body): string[] | undefined {
  const v = b.stop;
  if (v === undefined || v === null) return undefined;
  const list = typeof v === "string" ? [v] : v;
  if (!Array.isArray(list) || list.some((s) => typeof s !== "string") || list.length > MAX_STOP) {
    throw errors.invalidRequest(`'stop' must be a string or an array of up to ${MAX_STOP} strings.`, "stop");
  }
  const stops = (list as string[]).filter((s) => s.length > 0);
  return stops.length > 0 ? stops : undefined;
}

function refuseUnsupported(b: Body): void {
  const n = b.n;
  if (n !== undefined && n !== null && n !== 1) throw errors.invalidRequest("Only n = 1 is supported.", "n");
  if (b.logprobs !== undefined && b.logprobs !== null && b.logprobs !== false && b.logprobs !== 0) {
    throw errors.invalidRequest("logprobs are not supported.", "logprobs");
  }
  for (const key of ["tools", "functions", "suffix"]) {
    if (b[key] !== undefined && b[key] !== null) throw errors.invalidRequest(`'${key}' is not supported.`, key);
  }
  if (b.echo === true) throw errors.invalidRequest("echo is not supported.", "echo");
  const bestOf = b.best_of;
  if (bestOf !== undefined && bestOf !== null && bestOf !== 1)
    throw errors.invalidRequest("Only best_of = 1 is supported.", "best_of");
}

function common(b: Body): Omit<TextJob, "prompt"> {
  if (typeof b.model !== "string" || b.model.length === 0) throw errors.invalidRequest("'model' is required.", "model");
  refuseUnsupported(b);
  const stream = b.stream === true;
  const options = b.stream_options;
  const includeUsage =
    stream && typeof options === "object" && options !== null && (options as Body).include_usage === true;
  const maxTokens =
    optNumber(b, "max_completion_tokens", 1, Number.MAX_SAFE_INTEGER, true) ??
    optNumber(b, "max_tokens", 1, Number.MAX_SAFE_INTEGER, true);
  return {
    model: b.model,
    maxTokens,
    temperature: optNumber(b, "temperature", 0, 2),
    topP: optNumber(b, "top_p", Number.MIN_VALUE, 1),
    topK: optNumber(b, "top_k", 1, 1_000_000, true),
    seed: optNumber(b, "seed", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true),
    stop: optStop(b),
    stream,
    includeUsage,
  };
}

/** POST /v1/completions: `prompt` is a string (or an array holding one string). */
export function parseCompletionRequest(body: unknown): TextJob {
  const b = asBody(body);
  const base = common(b);
  let prompt = b.prompt;
  if (Array.isArray(prompt)) {
    if (prompt.length !== 1)
      throw errors.invalidRequest("'prompt' must be one string (batches are not supported).", "prompt");
    prompt = prompt[0];
  }
  if (typeof prompt !== "string" || prompt.length === 0)
    throw errors.invalidRequest("'prompt' must be a non-empty string.", "prompt");
  return { ...base, prompt };
}

export interface ChatMessage {
  role: "system" | "developer" | "user" | "assistant" | "tool";
  content: string;
}

const ROLE_TITLES: Record<ChatMessage["role"], string> = {
  system: "System",
  developer: "System",
  user: "User",
  assistant: "Assistant",
  tool: "Tool",
};

/** POST /v1/chat/completions: messages become one prompt (see chatPrompt). */
export function parseChatRequest(body: unknown): TextJob {
  const b = asBody(body);
  const base = common(b);
  const messages = parseMessages(b.messages);
  const stop = base.stop ?? [];
  // Stop before the model writes the user's next turn, when there is room for one more stop.
  if (!stop.includes(CHAT_TURN_STOP) && stop.length < MAX_STOP) stop.push(CHAT_TURN_STOP);
  return { ...base, stop, prompt: chatPrompt(messages) };
}

function parseMessages(raw: unknown): ChatMessage[] {
  if (!Array.isArray(raw) || raw.length === 0)
    throw errors.invalidRequest("'messages' must be a non-empty array.", "messages");
  return raw.map((m, i) => {
    const param = `messages[${i}]`;
    if (typeof m !== "object" || m === null) throw errors.invalidRequest(`${param} must be an object.`, param);
    const { role, content } = m as Body;
    if (typeof role !== "string" || !(role in ROLE_TITLES)) {
      throw errors.invalidRequest(
        `${param}.role must be one of ${Object.keys(ROLE_TITLES).join(", ")}.`,
        `${param}.role`,
      );
    }
    return { role: role as ChatMessage["role"], content: messageText(content, `${param}.content`) };
  });
}

/** Content is a string or an array of parts; only text parts are supported. */
function messageText(content: unknown, param: string): string {
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return "";
  if (!Array.isArray(content))
    throw errors.invalidRequest(`${param} must be a string or an array of text parts.`, param);
  return content
    .map((part: unknown) => {
      const p = part as Body | null;
      if (p?.type !== "text" || typeof p.text !== "string") {
        throw errors.invalidRequest(`${param}: only text parts are supported.`, param);
      }
      return p.text;
    })
    .join("");
}

/**
 * The chat template: one "Role: content" line per message, then "Assistant:" for the model to
 * continue. Models on the network are plain text generators, so the template is the simplest that
 * keeps turns apart; the gateway adds "\nUser:" as a stop sequence.
 */
export function chatPrompt(messages: readonly ChatMessage[]): string {
  return messages.map((m) => `${ROLE_TITLES[m.role]}: ${m.content}`).join("\n") + "\nAssistant:";
}

/** The miner's wire body for a text job (apps/miner TextGenerationTask). */
export function minerTextBody(job: TextJob): Record<string, unknown> {
  const body: Record<string, unknown> = { prompt: job.prompt };
  if (job.maxTokens !== undefined) body.max_tokens = job.maxTokens;
  if (job.temperature !== undefined) body.temperature = job.temperature;
  if (job.topK !== undefined) body.top_k = job.topK;
  if (job.topP !== undefined) body.top_p = job.topP;
  if (job.seed !== undefined) body.seed = job.seed;
  if (job.stop !== undefined) body.stop = job.stop;
  if (job.stream) body.stream = true;
  return body;
}

/** POST /v1/ocr: `{ model?, image: base64 PNG or JPEG }` (a data: URL is accepted too). */
export interface OcrJob {
  model?: string;
  image: string;
}

export function parseOcrRequest(body: unknown): OcrJob {
  if (Buffer.isBuffer(body)) {
    if (body.length === 0) throw errors.invalidRequest("The image is empty.", "image");
    return { image: body.toString("base64") };
  }
  const b = asBody(body);
  if (b.model !== undefined && (typeof b.model !== "string" || b.model.length === 0)) {
    throw errors.invalidRequest("'model' must be a string.", "model");
  }
  if (typeof b.image !== "string" || b.image.length === 0) {
    throw errors.invalidRequest("'image' must be a base64-encoded PNG or JPEG (or a data: URL).", "image");
  }
  const dataUrl = /^data:image\/(png|jpe?g);base64,/i.exec(b.image);
  const image = dataUrl ? b.image.slice(dataUrl[0].length) : b.image;
  return { model: b.model as string | undefined, image };
}
