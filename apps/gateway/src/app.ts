import Fastify, { LogController } from "fastify";
import type { FastifyBaseLogger, FastifyError, FastifyInstance } from "fastify";
import type { GatewayServices } from "./context";
import { GatewayError, errors } from "./errors";
import { authenticate } from "./routes/auth";
import { modelRoutes } from "./routes/models";
import { ocrRoutes } from "./routes/ocr";
import { opsRoutes } from "./routes/ops";
import { textRoutes } from "./routes/text";

export interface GatewayAppOptions {
  /** Largest request body in bytes (an OCR image in base64 is the largest). */
  bodyLimit?: number;
}

/**
 * Builds the gateway's HTTP app (not listening): the OpenAI-compatible API under /v1 (API key
 * required), /health and /metrics. Errors are always OpenAI's `{ error: { message, type, param,
 * code } }`.
 */
export function buildGatewayApp(s: GatewayServices, opts: GatewayAppOptions = {}): FastifyInstance {
  const app = Fastify({
    loggerInstance: s.logger as FastifyBaseLogger,
    // Fastify's own request logging writes two lines per request ("incoming", "completed"): one
    // line at debug below instead (counts and latencies are in /metrics; failures log as warnings).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 8 * 1024 * 1024,
  });

  // Raw images for POST /v1/ocr.
  app.addContentTypeParser(["image/png", "image/jpeg"], { parseAs: "buffer" }, (_req, body, done) => done(null, body));

  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    let e = toGatewayError(err);
    // A route that admits its key with the voucher reservation failed before reserving (a bad body,
    // an unknown model, over a limit, no miner): the key is checked now, so a wrong, revoked or
    // rate-limited key gets its 401 or 429 whatever else was wrong with the request.
    const pending = req.keyAdmission;
    if (pending && !pending.checked) {
      const admission = await s.apiKeys.admitWith(pending).catch(() => undefined);
      if (admission && !admission.ok) e = errors.keyRefused(admission);
    }
    if (e.statusCode >= 500) s.logger.error({ err }, "request failed");
    return reply.code(e.statusCode).headers(e.headers).send(e.toBody());
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .send(
        new GatewayError(
          404,
          "invalid_request_error",
          "unknown_url",
          `Unknown request URL: ${req.method} ${req.url}.`,
        ).toBody(),
      );
  });

  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unknown";
    s.metrics.requests.inc({ route, status: String(reply.statusCode) });
    s.metrics.latency.observe({ route }, reply.elapsedTime / 1000);
    s.logger.debug({ route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, "request");
  });

  void app.register(opsRoutes(s));
  void app.register(
    async (v1) => {
      v1.addHook("onRequest", authenticate(s));
      await v1.register(modelRoutes(s));
      await v1.register(textRoutes(s));
      await v1.register(ocrRoutes(s));
      v1.get("/usage", async (req) => {
        const usage = await s.usage.get(req.apiKeyId!);
        return {
          object: "usage",
          key: req.apiKeyId,
          requests: usage.requests,
          prompt_tokens: usage.promptTokens,
          completion_tokens: usage.completionTokens,
          noos_charged: usage.charged.toString(),
        };
      });
    },
    { prefix: "/v1" },
  );
  return app;
}

function toGatewayError(err: FastifyError): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE" || err.statusCode === 413) {
    return errors.tooLarge("The request body is larger than this gateway accepts.", null, "body_too_large");
  }
  if (err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" || err.code === "FST_ERR_CTP_INVALID_CONTENT_LENGTH") {
    return errors.invalidRequest(`${err.message}. Send JSON (content-type: application/json).`);
  }
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return errors.invalidRequest(
      err.code === "FST_ERR_CTP_EMPTY_JSON_BODY" || err instanceof SyntaxError
        ? "The request body is not valid JSON."
        : err.message,
    );
  }
  if (isRedisOutage(err)) return errors.storeUnavailable();
  const code = (err as { code?: unknown }).code;
  if (code === "TIMEOUT" || code === "NETWORK_ERROR" || code === "SERVER_ERROR") return errors.chainUnavailable();
  return errors.internal("The gateway failed to handle this request; see its logs.");
}

/** ioredis's ways of saying Redis is not there (down, unreachable, too slow): a 503 to retry, not a 500. */
function isRedisOutage(err: Error): boolean {
  return (
    err.name === "MaxRetriesPerRequestError" ||
    /Connection is closed|Stream isn't writeable|Command timed out|ECONNREFUSED|ECONNRESET|connect ETIMEDOUT/.test(
      err.message,
    )
  );
}
