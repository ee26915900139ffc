import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import Fastify, { LogController } from "fastify";
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { TypedDataDomain } from "ethers";
import { HEADERS } from "@noosphere/protocol";
import type { Logger } from "@noosphere/node-kit";
import { RequestAuthenticator } from "./auth/authenticator";
import type { AuthenticatedRequest, NonceLog, RequestClaim } from "./auth/authenticator";
import { createEcdsa } from "./auth/ecdsa";
import type { Ecdsa } from "./auth/ecdsa";
import { ResponseSigner } from "./auth/response-signer";
import type { Hotkey } from "./auth/response-signer";
import { AccessPolicy } from "./billing/access";
import type { AccessGrant, MinerChainView } from "./billing/access";
import { ChainUnavailableError, NotPricedError } from "./billing/chain-view";
import type { HeldVoucher, VoucherBook } from "./billing/voucher-book";
import { VoucherVerifier } from "./billing/voucher-verifier";
import { MinerHttpError, errorBody } from "./errors";
import { createMinerMetrics } from "./metrics";
import type { MinerMetrics } from "./metrics";
import { BoundedQueue } from "./queue";
import type { TaskHandler, TaskResult } from "./tasks/task";

export interface MinerAppOptions {
  task: TaskHandler;
  /** The miner's hotkey: signs responses, and requests and vouchers must name it. */
  hotkey: Hotkey;
  netuid: number;
  /** Billing tier served: 0 standard (GPU), 1 batch (CPU). */
  tier: number;
  /** EIP-712 domain of requests and responses (protocol `wireDomain`). */
  wireDomain: TypedDataDomain;
  /** EIP-712 domain of vouchers (protocol `voucherDomain`: the Billing contract). */
  voucherDomain: TypedDataDomain;
  chain: MinerChainView;
  book: VoucherBook;
  /** Requests run on the model at once (default 1; give a task loaded with loadTask the same). */
  concurrency?: number;
  /** Requests waiting for the model before 429 (default 16). */
  maxQueued?: number;
  /** Largest request body in bytes (an image for OCR); larger is refused with 413 (default: the task's, else 8 MiB). */
  bodyLimit?: number;
  /** Keeps consumed nonces across restarts (the miner's state file), so a replay after a restart is refused. */
  nonceLog?: NonceLog;
  /** Deadlines further ahead are refused with 401 (default 300 s). */
  maxTtlSeconds?: number;
  /** secp256k1 backend (default: native libsecp256k1 when installed, else JavaScript). */
  ecdsa?: Ecdsa;
  logger: Logger;
  metrics?: MinerMetrics;
}

/** A successful answer: the output, and the miner's signature over (request hash, output hash, owed). */
export interface MinerAnswer<O = unknown> {
  output: O;
  requestHash: string;
  outputHash: string;
  /** NOOS wei this answer adds to the caller's voucher, decimal ("0" for validators). */
  owed: string;
  signature: string;
  miner: string;
}

declare module "fastify" {
  interface FastifyRequest {
    rawBody?: Buffer;
    /** What `precheck` found before the body was read: the caller's voucher (undefined: a validator). */
    prechecked?: { voucher: HeldVoucher | undefined };
  }
}

const EMPTY = Buffer.alloc(0);

/** A caller the miner will serve, and on what terms. */
interface Admitted {
  auth: AuthenticatedRequest;
  grant: AccessGrant;
}

/**
 * Builds the miner's HTTP app (not listening): POST /v1/infer, GET /health, GET /metrics.
 * Every inference request is authenticated (EIP-712 signature, deadline, nonce: 401), admitted
 * (permitted validator, or client paying by voucher within its escrow: 403), validated against
 * the subnet's limits (400, 413), queued (429 with Retry-After when full), answered and signed.
 */
export function buildMinerApp(opts: MinerAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? opts.task.maxBodyBytes ?? 8 * 1024 * 1024,
  });
  const { task, chain } = opts;
  const metrics = opts.metrics ?? createMinerMetrics();
  // A task that takes a job beyond those it runs gets it early: the model never waits on this thread.
  const queue = new BoundedQueue((opts.concurrency ?? 1) + (task.handoff ?? 0), opts.maxQueued ?? 16);
  const ecdsa = opts.ecdsa ?? createEcdsa();
  const authenticator = new RequestAuthenticator({
    domain: opts.wireDomain,
    miner: opts.hotkey.address,
    netuid: opts.netuid,
    maxTtlSeconds: opts.maxTtlSeconds,
    ecdsa,
    nonceLog: opts.nonceLog,
  });
  const access = new AccessPolicy({
    chain,
    book: opts.book,
    verifier: new VoucherVerifier(opts.voucherDomain, ecdsa),
    miner: opts.hotkey.address,
    netuid: opts.netuid,
    tier: opts.tier,
    modelHash: task.modelHash,
  });
  const signer = new ResponseSigner(opts.hotkey, opts.wireDomain, ecdsa);
  const startedAt = Date.now();
  let closing = false;

  // JSON only (anything else is a 415), kept as exact bytes: the caller's signature covers their sha256.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (req, body, done) => {
    req.rawBody = body as Buffer;
    if ((body as Buffer).length === 0) {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse((body as Buffer).toString("utf8")));
    } catch {
      done(new MinerHttpError(400, "malformed-json", "request body is not valid JSON"), undefined);
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const refusal = toRefusal(err);
    if (refusal.statusCode >= 500) opts.logger.error({ err, url: req.url }, "request failed");
    else opts.logger.debug({ code: refusal.code, status: refusal.statusCode, url: req.url }, "request refused");
    void reply
      .code(refusal.statusCode)
      .headers(refusal.headers)
      .send(errorBody(refusal.code, refusal.message, refusal.details));
  });

  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .send(errorBody("not-found", `no route ${req.method} ${req.url}; POST /v1/infer, GET /health, GET /metrics`));
  });

  app.addHook("onResponse", async (req, reply) => {
    metrics.requests.inc({ route: req.routeOptions.url ?? "unknown", status: String(reply.statusCode) });
  });

  // On close: keep answering the requests in flight, and close their connections once answered
  // (a keep-alive connection would otherwise hold the server open).
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", async (_req, reply, payload) => {
    if (closing) void reply.header("connection", "close");
    return payload;
  });

  app.get("/health", async () => ({
    status: closing ? "draining" : "ok",
    task: task.taskId,
    model: task.modelName,
    modelHash: task.modelHash,
    provider: task.provider,
    netuid: opts.netuid,
    tier: opts.tier,
    hotkey: opts.hotkey.address,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    queue: { depth: queue.depth, inFlight: queue.inFlight, concurrency: queue.concurrency, maxQueued: queue.maxQueued },
    unredeemed: opts.book.totalOutstanding().toString(),
  }));

  app.get("/metrics", async (_req, reply) => {
    metrics.queueDepth.set(queue.depth);
    metrics.inFlight.set(queue.inFlight);
    void reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  /** Signature, deadline and nonce (401), then the money checks of a caller `precheck` passed (403). */
  async function admit(claim: RequestClaim, voucher: HeldVoucher | undefined): Promise<Admitted> {
    const auth = authenticator.verify(claim);
    const grant = await access.admit(auth.request.caller, voucher);
    // Without libsecp256k1, the caller's key tables take a few ms to build: after this answer.
    if (ecdsa.backend === "javascript") setImmediate(() => authenticator.admitted(auth));
    return { auth, grant };
  }

  // Before the body is read: the headers are well formed and name a caller this miner would serve
  // (a validator with a permit, or a voucher signed by the caller for its client), else 401/403.
  const precheck = async (req: FastifyRequest) => {
    const { request } = authenticator.claim(req.headers, EMPTY);
    req.prechecked = { voucher: await access.precheck(request.caller, header(req, HEADERS.voucher)) };
  };

  app.post("/v1/infer", { preParsing: precheck }, async (req, reply) => {
    const started = performance.now();
    const claim = authenticator.claim(req.headers, req.rawBody ?? EMPTY);
    if (req.body === undefined) throw new MinerHttpError(400, "empty-body", "a JSON body is required");
    const input = task.parse(req.body, await chain.limits());
    const voucher = req.prechecked!.voucher;
    const signal = abortOnDisconnect(reply);
    // A speculative task starts on the model first and its caller is checked meanwhile (the
    // signatures cost this thread ~0.2 ms; the model runs on the engine thread). Nothing is sent
    // before the caller is admitted, and a refused caller's job is aborted within a model step.
    const job = new AbortController();
    signal.addEventListener("abort", () => job.abort(signal.reason), { once: true });
    const admission = task.speculative
      ? Promise.resolve().then(() => admit(claim, voucher))
      : Promise.resolve(await admit(claim, voucher));
    void admission.catch((err: unknown) => job.abort(err));
    // A refused caller gets its refusal (awaited below), not this.
    const guard = () => {
      if (signal.aborted) throw new MinerHttpError(400, "client-gone", "the caller disconnected");
    };

    if (task.stream && task.wantsStream?.(input)) {
      const stream = task.stream.bind(task);
      try {
        await queue.run(async () => {
          guard();
          const gen = stream(input, job.signal);
          const { auth, grant } = await admission;
          // The first chunk comes before the status line, so a refusal found where the model runs
          // (413 over the input limit) is still a JSON error, not a 200 stream that fails.
          const first = await gen.next();
          await streamAnswer(reply, gen, first, grant, auth.hash, started, signal);
        }, job.signal);
      } catch (err) {
        // Admitted but not answered (queue full, caller gone, refused by the model): the debt is undone.
        (await admission.catch(() => undefined))?.grant.release();
        throw err;
      }
      return reply;
    }
    const running = queue.run(() => {
      guard();
      return task.run(input, job.signal);
    }, job.signal);
    running.catch(() => undefined); // awaited below, after the admission
    let admitted: Admitted;
    try {
      admitted = await admission;
    } catch (err) {
      await running.catch(() => undefined); // the engine has stopped before the refusal goes out
      throw err;
    }
    try {
      const answer = settle(await running, admitted.grant, admitted.auth.hash, started);
      answeredWhenDelivered(reply.raw, admitted.grant);
      return reply
        .header(HEADERS.response, answer.signature)
        .header(HEADERS.owed, answer.owed)
        .type("application/json")
        .send(answer.json);
    } catch (err) {
      admitted.grant.release();
      throw err;
    }
  });

  /**
   * Streams deltas as server-sent events, from `first` on, then `event: done` with the signed
   * answer. Never throws: a failure once the stream has begun is an `event: error` (grant released).
   */
  async function streamAnswer(
    reply: FastifyReply,
    gen: AsyncGenerator<{ delta: string }, TaskResult<unknown>>,
    first: IteratorResult<{ delta: string }, TaskResult<unknown>>,
    grant: AccessGrant,
    reqHash: string,
    started: number,
    signal: AbortSignal,
  ): Promise<void> {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    try {
      let next = first;
      while (!next.done) {
        if (next.value.delta !== "") res.write(`data: ${JSON.stringify(next.value)}\n\n`);
        next = await gen.next();
      }
      const answer = settle(next.value, grant, reqHash, started);
      answeredWhenDelivered(res, grant);
      res.write(`event: done\ndata: ${answer.json}\n\n`);
    } catch (err) {
      grant.release();
      if (!signal.aborted) {
        opts.logger.error({ err }, "streamed inference failed");
        res.write(
          `event: error\ndata: ${JSON.stringify(errorBody("inference-failed", "the model failed to answer; try another miner"))}\n\n`,
        );
      }
    } finally {
      res.end();
      if (closing) res.once("finish", () => res.socket?.end());
    }
  }

  /**
   * The answer counts (its voucher becomes redeemable, and is written to the state file) once it is
   * all handed to the connection; if the connection closes first (the caller or the miner went away
   * mid-answer) the caller never got it and is not charged: the grant is released.
   */
  function answeredWhenDelivered(res: FastifyReply["raw"], grant: AccessGrant): void {
    res.once("finish", () => grant.answered());
    res.once("close", () => {
      if (!res.writableFinished) grant.release();
    });
  }

  /** Signs a finished answer (request hash, output hash, owed) and records its metrics. */
  function settle(result: TaskResult<unknown>, grant: AccessGrant, reqHash: string, started: number) {
    const seconds = (performance.now() - started) / 1000;
    metrics.latency.observe({ task: task.taskId }, seconds);
    metrics.units.inc({ task: task.taskId }, result.units);
    if (seconds > 0) metrics.unitsPerSecond.set({ task: task.taskId }, result.units / seconds);
    if (grant.price > 0n) metrics.owed.inc(Number(grant.price) / 1e18);
    const output = JSON.stringify(result.output);
    const outputHash = "0x" + createHash("sha256").update(output).digest("hex");
    const signature = signer.sign({ requestHash: reqHash, outputHash, owed: grant.price });
    const owed = grant.price.toString();
    const json =
      `{"output":${output},"requestHash":"${reqHash}","outputHash":"${outputHash}",` +
      `"owed":"${owed}","signature":"${signature}","miner":"${signer.address}"}`;
    return { signature, owed, json };
  }

  app.addHook("onClose", async () => {
    await task.close();
  });
  return app;
}

/** Maps any error to the status, code and message sent to the caller. */
function toRefusal(err: Error & { statusCode?: number; code?: string }): MinerHttpError {
  if (err instanceof MinerHttpError) return err;
  if (err instanceof ChainUnavailableError) {
    return new MinerHttpError(503, "chain-unavailable", "the miner cannot read the chain right now; retry shortly", {
      "retry-after": "5",
    });
  }
  if (err instanceof NotPricedError) return new MinerHttpError(503, "not-priced", err.message);
  if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE" || err.statusCode === 413) {
    return new MinerHttpError(413, "body-too-large", "request body is larger than this miner accepts");
  }
  if (err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" || err.statusCode === 415) {
    return new MinerHttpError(415, "unsupported-media-type", "send the body as application/json");
  }
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return new MinerHttpError(400, "bad-request", err.message);
  }
  return new MinerHttpError(503, "inference-failed", "the model failed to answer; try another miner");
}

/** An AbortSignal that fires if the caller goes away before the answer is written. */
function abortOnDisconnect(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) controller.abort(new Error("the caller disconnected"));
  });
  return controller.signal;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
