import Fastify from "fastify";
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Signer, TypedDataDomain } from "ethers";
import type { InferenceRequest } from "@noosphere/protocol";
import {
  HEADERS,
  NonceRegistry,
  RequestVerificationError,
  outputHash,
  requestHash,
  signResponse,
  verifyRequest,
} from "@noosphere/protocol";
import type { Logger } from "@noosphere/node-kit";
import type { AccessGrant, AccessPolicy } from "./billing/access";
import type { VoucherBook } from "./billing/voucher-book";
import { MinerHttpError, errorBody } from "./errors";
import type { MinerMetrics } from "./metrics";
import { createMinerMetrics } from "./metrics";
import { BoundedQueue } from "./queue";
import type { CallLimits, TaskHandler, TaskResult } from "./tasks/task";

export interface MinerAppOptions {
  task: TaskHandler;
  /** The miner's hotkey: signs responses, and requests must name it. */
  hotkey: Signer & { address: string };
  netuid: number;
  tier: number;
  wireDomain: TypedDataDomain;
  access: AccessPolicy;
  book: VoucherBook;
  limits: () => Promise<CallLimits>;
  concurrency?: number;
  maxQueued?: number;
  /** Largest request body in bytes (an image for OCR); larger is refused with 413. */
  bodyLimit?: number;
  logger: Logger;
  metrics?: MinerMetrics;
}

declare module "fastify" {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

/** Builds the miner's HTTP app (not listening): POST /v1/infer, GET /health, GET /metrics. */
export function buildMinerApp(opts: MinerAppOptions): FastifyInstance {
  const app = Fastify({ loggerInstance: opts.logger as FastifyBaseLogger, bodyLimit: opts.bodyLimit ?? 8 * 1024 * 1024 });
  const metrics = opts.metrics ?? createMinerMetrics();
  const queue = new BoundedQueue(opts.concurrency ?? 1, opts.maxQueued ?? 16);
  const nonces = new NonceRegistry();
  const startedAt = Date.now();

  // Keep the exact bytes: the caller's signature covers the body's sha256.
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (req, body, done) => {
    req.rawBody = body as Buffer;
    try {
      done(null, body.length === 0 ? undefined : JSON.parse(body.toString("utf8")));
    } catch {
      done(new MinerHttpError(400, "malformed-json", "request body is not valid JSON"), undefined);
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err instanceof MinerHttpError) {
      void reply.code(err.statusCode).headers(err.headers).send(errorBody(err.code, err.message));
      return;
    }
    if (err.statusCode === 413 || err.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      void reply.code(413).send(errorBody("body-too-large", "request body is larger than this miner accepts"));
      return;
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      void reply.code(400).send(errorBody("bad-request", err.message));
      return;
    }
    opts.logger.error({ err }, "request failed");
    void reply.code(503).send(errorBody("inference-failed", "the model failed to answer; try another miner"));
  });

  app.addHook("onResponse", async (_req, reply) => {
    metrics.requests.inc({ status: String(reply.statusCode) });
  });

  app.get("/health", async () => ({
    status: "ok",
    task: opts.task.taskId,
    model: opts.task.modelName,
    modelHash: opts.task.modelHash,
    provider: opts.task.provider,
    netuid: opts.netuid,
    tier: opts.tier,
    hotkey: opts.hotkey.address,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    queue: { inFlight: queue.inFlight, waiting: queue.depth },
  }));

  app.get("/metrics", async (_req, reply) => {
    metrics.queueDepth.set(queue.depth);
    void reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.post("/v1/infer", async (req, reply) => {
    const raw = req.rawBody ?? Buffer.alloc(0);
    const request = authenticate(req, raw);
    const grant = await opts.access.admit(request.caller, header(req, HEADERS.voucher));
    // Until the answer is settled, a failure means the client owes nothing for this request.
    let settled = false;
    try {
      return await serve(req, reply, request, grant, () => (settled = true));
    } catch (err) {
      if (!settled && grant.kind === "client") opts.book.release(grant.voucher.voucher, grant.price);
      throw err;
    }
  });

  async function serve(
    req: FastifyRequest,
    reply: FastifyReply,
    request: InferenceRequest,
    grant: AccessGrant,
    onSettled: () => void,
  ) {
    if (req.body === undefined) throw new MinerHttpError(400, "empty-body", "a JSON body is required");
    const input = opts.task.parse(req.body, await opts.limits());
    const reqHash = requestHash(opts.wireDomain, request);
    const timer = metrics.latency.startTimer({ task: opts.task.taskId });
    const abort = new AbortController();
    req.raw.on("close", () => abort.abort());

    if (opts.task.stream && opts.task.wantsStream?.(input)) {
      const stream = opts.task.stream.bind(opts.task);
      return queue.run(async () => {
        reply.hijack();
        reply.raw.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
        const gen = stream(input, abort.signal);
        let next = await gen.next();
        while (!next.done) {
          reply.raw.write(`data: ${JSON.stringify(next.value)}\n\n`);
          next = await gen.next();
        }
        const final = await settle(next.value, grant, reqHash, timer);
        onSettled();
        reply.raw.write(`event: done\ndata: ${JSON.stringify(final)}\n\n`);
        reply.raw.end();
      });
    }

    return queue.run(async () => {
      const result = await opts.task.run(input, abort.signal);
      const final = await settle(result, grant, reqHash, timer);
      onSettled();
      void reply.header(HEADERS.response, final.signature).header(HEADERS.owed, final.owed);
      return final;
    });
  }

  /** Records payment for a finished answer and signs it (request hash, output hash, owed). */
  async function settle(result: TaskResult<unknown>, grant: AccessGrant, reqHash: string, timer: () => number) {
    const seconds = timer();
    metrics.units.inc({ task: opts.task.taskId }, result.units);
    if (seconds > 0) metrics.tokensPerSecond.set({ task: opts.task.taskId }, result.units / seconds);
    if (grant.kind === "client") opts.book.accept(grant.voucher);
    const body = JSON.stringify(result.output);
    const response = { requestHash: reqHash, outputHash: outputHash(body), owed: grant.price };
    const signature = await signResponse(opts.hotkey, opts.wireDomain, response);
    return {
      output: result.output,
      outputHash: response.outputHash,
      requestHash: reqHash,
      owed: grant.price.toString(),
      signature,
      miner: opts.hotkey.address,
    };
  }

  function authenticate(req: FastifyRequest, raw: Buffer) {
    try {
      return verifyRequest({
        domain: opts.wireDomain,
        miner: opts.hotkey.address,
        netuid: opts.netuid,
        headers: req.headers,
        body: raw,
        nonces,
      });
    } catch (err) {
      if (err instanceof RequestVerificationError) throw new MinerHttpError(401, err.reason, err.message);
      throw err;
    }
  }

  app.addHook("onClose", async () => {
    await opts.task.close();
  });
  return app;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

