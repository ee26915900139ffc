import pino from "pino";
import type { Logger, LoggerOptions } from "pino";

export type { Logger };

export interface CreateLoggerOptions {
  level?: string;
  /** Human-readable lines instead of JSON (for a terminal). */
  pretty?: boolean;
  base?: Record<string, unknown>;
}

/** Structured JSON logs (pino) named after the service; NOOS_LOG_LEVEL and NOOS_LOG_PRETTY apply. */
export function createLogger(name: string, opts: CreateLoggerOptions = {}): Logger {
  const options: LoggerOptions = {
    name,
    level: opts.level ?? process.env.NOOS_LOG_LEVEL ?? "info",
    base: { service: name, ...opts.base },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const pretty = opts.pretty ?? process.env.NOOS_LOG_PRETTY === "1";
  if (pretty) {
    return pino(options, pino.transport({ target: "pino-pretty", options: { colorize: true } }));
  }
  return pino(options);
}

/** A logger that drops everything (tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
