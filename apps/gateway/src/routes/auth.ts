import type { FastifyRequest } from "fastify";
import type { GatewayServices } from "../context";
import { errors } from "../errors";
import type { KeyAdmission } from "../store/api-keys";

declare module "fastify" {
  interface FastifyRequest {
    /**
     * The presented key, for routes that admit it in the same Redis round trip as their voucher
     * reservation (routes with `config: { admitsWithReservation: true }`).
     */
    keyAdmission?: KeyAdmission;
  }
  interface FastifyContextConfig {
    /** The route admits the API key with its voucher reservation (one Redis round trip). */
    admitsWithReservation?: boolean;
  }
}

function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    return m?.[1]?.trim();
  }
  const header = req.headers["x-api-key"];
  return Array.isArray(header) ? header[0] : header;
}

/**
 * Every /v1 route needs an API key (Authorization: Bearer ...) and takes one request from its
 * rate limit: here, or, on routes that reserve a voucher, in the reservation's round trip. Either
 * way a missing, malformed, unknown or revoked key is refused here, before the body is read.
 */
export function authenticate(s: GatewayServices) {
  return async function onRequest(req: FastifyRequest): Promise<void> {
    const key = presentedKey(req);
    if (!key) throw errors.missingKey();
    if (req.routeOptions.config.admitsWithReservation) {
      const admission = s.apiKeys.admission(key);
      if (!admission || !(await s.apiKeys.known(admission))) throw errors.invalidKey();
      req.keyAdmission = admission;
      req.apiKeyId = admission.id;
      return;
    }
    const admission = await s.apiKeys.admit(key);
    if (!admission.ok) throw errors.keyRefused(admission);
    req.apiKeyId = admission.id;
  };
}
