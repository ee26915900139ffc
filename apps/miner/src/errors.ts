/** HTTP statuses the miner answers with besides 200. */
export type MinerErrorStatus = 400 | 401 | 403 | 404 | 413 | 415 | 429 | 503;

/** A refusal with an HTTP status and a stable machine-readable code, sent as JSON. */
export class MinerHttpError extends Error {
  constructor(
    readonly statusCode: MinerErrorStatus,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Machine-readable fields sent beside code and message (e.g. the voucher a 403 refers to). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The JSON body of every refusal: `{ error: { code, message, ...details } }`. */
export interface ErrorBody {
  error: { code: string; message: string } & Record<string, unknown>;
}

export function errorBody(code: string, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { ...details, code, message } };
}
