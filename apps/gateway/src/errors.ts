import type { KeyRefusal } from "./store/api-keys";

/**
 * Errors in OpenAI's shape: `{ error: { message, type, param, code } }`, with the status codes
 * OpenAI's clients expect (401 bad key, 429 rate limit, 404 unknown model, 400 bad request), plus
 * the gateway's own: 402 escrow cannot cover the price, 413 over the subnet's per-call limits,
 * 503 no miner could answer.
 */
export type GatewayErrorType =
  "invalid_request_error" | "authentication_error" | "rate_limit_error" | "insufficient_quota" | "server_error";

export type GatewayStatus = 400 | 401 | 402 | 404 | 413 | 429 | 500 | 502 | 503;

export interface OpenAIErrorBody {
  error: { message: string; type: GatewayErrorType; param: string | null; code: string | null };
}

export class GatewayError extends Error {
  constructor(
    readonly statusCode: GatewayStatus,
    readonly type: GatewayErrorType,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const errors = {
  invalidRequest: (message: string, param: string | null = null) =>
    new GatewayError(400, "invalid_request_error", "invalid_request", message, param),
  missingKey: () =>
    new GatewayError(
      401,
      "authentication_error",
      "missing_api_key",
      "No API key provided. Send it as 'Authorization: Bearer noos_<id>_<secret>' (create one with 'noos gateway keys create').",
    ),
  invalidKey: () =>
    new GatewayError(
      401,
      "authentication_error",
      "invalid_api_key",
      "Incorrect API key provided. Keys look like noos_<id>_<secret>; list yours with 'noos gateway keys list'.",
    ),
  /** A key the admission refused: 401, or 429 with Retry-After when over its rate limit. */
  keyRefused: (refusal: KeyRefusal): GatewayError =>
    refusal.reason === "rate-limited"
      ? errors.rateLimited(refusal.limit, Math.max(1, Math.ceil(refusal.retryAfterMs / 1000)))
      : errors.invalidKey(),
  rateLimited: (limitPerMinute: number, retryAfterSeconds: number) =>
    new GatewayError(
      429,
      "rate_limit_error",
      "rate_limit_exceeded",
      `Rate limit reached: ${limitPerMinute} requests per minute for this key. Retry in ${retryAfterSeconds}s.`,
      null,
      { "retry-after": String(retryAfterSeconds) },
    ),
  insufficientQuota: (message: string) => new GatewayError(402, "insufficient_quota", "insufficient_quota", message),
  modelNotFound: (model: string) =>
    new GatewayError(
      404,
      "invalid_request_error",
      "model_not_found",
      `The model '${model}' does not exist or no miner serves it. GET /v1/models lists the models served now.`,
      "model",
    ),
  tooLarge: (message: string, param: string | null, code = "request_too_large") =>
    new GatewayError(413, "invalid_request_error", code, message, param),
  /** Every miner serving the model is at its capacity: shed with a 429 the client retries. */
  overloaded: (model: string) =>
    new GatewayError(
      429,
      "rate_limit_error",
      "server_overloaded",
      `Every miner serving ${model} is busy right now; retry in a second.`,
      null,
      { "retry-after": "1" },
    ),
  noMiner: (message: string) =>
    new GatewayError(503, "server_error", "no_miner_available", message, null, { "retry-after": "1" }),
  /** The gateway's Redis (keys, limits, vouchers) is unreachable or too slow: nothing was charged. */
  storeUnavailable: () =>
    new GatewayError(
      503,
      "server_error",
      "store_unavailable",
      "The gateway cannot reach its store right now; nothing was charged. Retry in a few seconds.",
      null,
      { "retry-after": "2" },
    ),
  /** The chain did not answer in time (a snapshot of the escrow was needed): nothing was charged. */
  chainUnavailable: () =>
    new GatewayError(
      503,
      "server_error",
      "chain_unavailable",
      "The gateway cannot read the chain right now; nothing was charged. Retry in a few seconds.",
      null,
      { "retry-after": "5" },
    ),
  upstream: (message: string) => new GatewayError(502, "server_error", "upstream_error", message),
  internal: (message: string) => new GatewayError(500, "server_error", "internal_error", message),
};

/** A setting the operator must fix (Redis unreachable, key not authorised...); the message says how. */
export class GatewayConfigError extends Error {
  override readonly name: string = "GatewayConfigError";
}
