/** A refusal with an HTTP status and a stable machine-readable code, sent as JSON. */
export class MinerHttpError extends Error {
  constructor(
    readonly statusCode: 400 | 401 | 402 | 403 | 404 | 413 | 429 | 503,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}
