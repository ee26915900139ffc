import type { FastifyRequest } from "fastify";
import type { GatewayServices } from "../context";
import { errors } from "../errors";

function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    return m?.[1]?.trim();
  }
  const header = req.headers["x-api-key"];
  return Array.isArray(header) ? header[0] : header;
}

/** Every /v1 route needs an API key (Authorization: Bearer ...) and takes one request from its rate limit. */
export function authenticate(s: GatewayServices) {
  return async function onRequest(req: FastifyRequest): Promise<void> {
    const key = presentedKey(req);
    if (!key) throw errors.missingKey();
    const admission = await s.apiKeys.admit(key);
    if (!admission.ok) {
      if (admission.reason === "rate-limited") {
        throw errors.rateLimited(admission.limit, Math.max(1, Math.ceil(admission.retryAfterMs / 1000)));
      }
      throw errors.invalidKey();
    }
    req.apiKeyId = admission.id;
  };
}
