import { formatEther } from "ethers";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { GatewayServices } from "../context";
import type { CallOutcome, MinerFinal } from "../dispatch";
import { errors } from "../errors";
import { minerTextBody, parseChatRequest, parseCompletionRequest } from "../openai/requests";
import type { TextJob } from "../openai/requests";
import {
  chatChunk,
  chatCompletion,
  chatUsageChunk,
  completion,
  completionChunk,
  completionUsageChunk,
  fingerprint,
  nowSeconds,
  openAIId,
  usageOf,
} from "../openai/shapes";
import type { FinishReason, OpenAIUsage, ResponseMeta } from "../openai/shapes";
import type { ModelRoute } from "../routing/directory";
import { requestSignal, routeFor, sendSse, writeSse } from "./common";

/** The miner's text-generation output (apps/miner TextGenerationTask). */
interface TextOutput {
  text: string;
  finishReason: FinishReason;
  usage: { promptTokens: number; completionTokens: number };
}

type Flavour = "chat" | "completion";

/** Most special tokens (BOS, EOS, ...) a tokenizer adds around a prompt. */
const SPECIAL_TOKENS_MARGIN = 8;

/** POST /v1/chat/completions and POST /v1/completions, streaming or not. */
export function textRoutes(services: GatewayServices) {
  return async function register(app: FastifyInstance): Promise<void> {
    const config = { admitsWithReservation: true };
    app.post("/chat/completions", { config }, (req, reply) =>
      handle(services, "chat", parseChatRequest(req.body), req, reply),
    );
    app.post("/completions", { config }, (req, reply) =>
      handle(services, "completion", parseCompletionRequest(req.body), req, reply),
    );
  };
}

async function handle(s: GatewayServices, flavour: Flavour, job: TextJob, req: FastifyRequest, reply: FastifyReply) {
  const route = routeFor(s, job.model, "text-generation");
  const price = await checkLimits(s, route, job);
  const signal = requestSignal(reply);
  const outcome = await s.dispatcher.call({
    route,
    price,
    body: JSON.stringify(minerTextBody(job)),
    stream: job.stream,
    signal,
    admit: req.keyAdmission,
  });
  const meta: ResponseMeta = {
    id: openAIId(flavour === "chat" ? "chatcmpl" : "cmpl"),
    created: nowSeconds(),
    model: route.id,
    fingerprint: fingerprint(outcome.miner.modelHash),
  };
  void reply
    .header("x-noos-miner", outcome.miner.hotkey)
    .header("x-noos-charged", outcome.reservation.price.toString());
  if (outcome.kind === "json") {
    const out = outcome.final.output as TextOutput;
    const usage = await settle(s, req, outcome, out.usage);
    serverTiming(reply, outcome.minerMs);
    return flavour === "chat"
      ? chatCompletion(meta, out.text, out.finishReason, usage)
      : completion(meta, out.text, out.finishReason, usage);
  }
  await streamAnswer(s, flavour, job, meta, outcome, req, reply);
  return reply;
}

/** Server-Timing: the gateway's own time and the miner's, so callers can see what the gateway adds. */
function serverTiming(reply: FastifyReply, minerMs: number): void {
  const gateway = Math.max(0, reply.elapsedTime - minerMs);
  void reply.header("server-timing", `gateway;dur=${gateway.toFixed(2)}, miner;dur=${minerMs.toFixed(2)}`);
}

/** 413 before any miner is called: max_tokens over the output limit, prompt over the input limit. */
async function checkLimits(s: GatewayServices, route: ModelRoute, job: TextJob): Promise<bigint> {
  const terms = await s.terms.get(route.netuid, route.tier);
  if (terms.price === undefined) {
    throw errors.noMiner(`Subnet ${route.netuid} has no price for this tier yet; governance must set one.`);
  }
  if (job.maxTokens !== undefined && job.maxTokens > terms.maxOutputTokens) {
    throw errors.tooLarge(
      `max_tokens ${job.maxTokens} is over subnet ${route.netuid}'s limit of ${terms.maxOutputTokens} output tokens per call.`,
      "max_tokens",
      "max_tokens_exceeded",
    );
  }
  // Every token of a byte-level or character tokenizer covers at least one byte, plus the few
  // special tokens a post-processor adds: a prompt this short cannot be over the limit.
  const surelyWithin = Buffer.byteLength(job.prompt, "utf8") + SPECIAL_TOKENS_MARGIN <= terms.maxInputTokens;
  const promptTokens = surelyWithin ? undefined : s.tokens.count(route.modelName, job.prompt);
  if (promptTokens !== undefined && promptTokens > terms.maxInputTokens) {
    throw errors.tooLarge(
      `The prompt is ${promptTokens} tokens; subnet ${route.netuid} allows ${terms.maxInputTokens} input tokens per call.`,
      "messages",
      "context_length_exceeded",
    );
  }
  return terms.price;
}

/** Records usage and metrics of an answered request; returns the OpenAI usage object. */
async function settle(
  s: GatewayServices,
  req: FastifyRequest,
  outcome: CallOutcome,
  tokens: { promptTokens: number; completionTokens: number } | undefined,
): Promise<OpenAIUsage> {
  const promptTokens = tokens?.promptTokens ?? 0;
  const completionTokens = tokens?.completionTokens ?? 0;
  const charged = outcome.reservation.price;
  s.metrics.charged.inc({ netuid: String(outcome.miner.netuid) }, Number(formatEther(charged)));
  s.metrics.tokens.inc({ kind: "prompt" }, promptTokens);
  s.metrics.tokens.inc({ kind: "completion" }, completionTokens);
  // Counted in memory and written in batches: the answer does not wait for the counter.
  if (req.apiKeyId) {
    s.usage
      .record(req.apiKeyId, { promptTokens, completionTokens, charged })
      .catch((err: unknown) =>
        s.logger.error({ err, key: req.apiKeyId }, "usage counts not written yet (kept for the next batch)"),
      );
  }
  return usageOf(promptTokens, completionTokens, formatEther(charged));
}

/** Relays the miner's deltas as OpenAI chunks, then the finish chunk, the usage chunk if asked, and [DONE]. */
async function streamAnswer(
  s: GatewayServices,
  flavour: Flavour,
  job: TextJob,
  meta: ResponseMeta,
  outcome: Extract<CallOutcome, { kind: "stream" }>,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const raw = sendSse(reply, {
    "x-noos-miner": outcome.miner.hotkey,
    "x-noos-charged": outcome.reservation.price.toString(),
  });
  const chat = flavour === "chat";
  if (chat) writeSse(raw, chatChunk(meta, { role: "assistant", content: "" }, null, job.includeUsage));
  const deltas = outcome.stream.deltas();
  let final: MinerFinal;
  try {
    let next = await deltas.next();
    while (!next.done) {
      const text = next.value;
      writeSse(
        raw,
        chat
          ? chatChunk(meta, { content: text }, null, job.includeUsage)
          : completionChunk(meta, text, null, job.includeUsage),
      );
      next = await deltas.next();
    }
    final = next.value;
  } catch (err) {
    s.logger.warn({ err: (err as Error).message, miner: outcome.miner.url }, "stream from miner broke");
    const error = errors.upstream("The miner's stream broke off before the answer was complete; nothing was charged.");
    writeSse(raw, error.toBody());
    raw.end();
    return;
  }
  const out = final.output as TextOutput;
  const usage = await settle(s, req, outcome, out.usage);
  if (chat) {
    writeSse(raw, chatChunk(meta, {}, out.finishReason, job.includeUsage));
    if (job.includeUsage) writeSse(raw, chatUsageChunk(meta, usage));
  } else {
    writeSse(raw, completionChunk(meta, "", out.finishReason, job.includeUsage));
    if (job.includeUsage) writeSse(raw, completionUsageChunk(meta, usage));
  }
  raw.write("data: [DONE]\n\n");
  raw.end();
}
