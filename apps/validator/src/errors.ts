/** Redis is required and could not be reached; the message says how to fix it. */
export class RedisUnavailableError extends Error {
  constructor(
    readonly url: string,
    override readonly cause?: unknown,
  ) {
    super(
      `the validator needs Redis and cannot reach it at ${redactUrl(url)}` +
        (cause instanceof Error && cause.message ? ` (${cause.message})` : "") +
        `. Start one (redis-server, or docker run -p 6379:6379 redis:7) or pass --redis <url>.`,
    );
  }
}

/** A setting the operator must change (bad flag, unknown task, key not registered...). */
export class ValidatorConfigError extends Error {}

/** Hides a password in a redis://user:pass@host URL before it reaches a log or an error. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}
