/**
 * The logging surface this package needs: a subset of pino's API (`logger.warn({ ctx }, "msg")`),
 * so a pino logger (or a child of one) can be passed as is.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Drops everything. */
export const noopLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/**
 * The default when no logger is given: warnings and errors go to the console (a CUDA fallback
 * should never pass unseen), debug and info are dropped.
 */
export const consoleLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (obj, msg) => console.warn(`[inference] ${msg ?? ""}`, obj),
  error: (obj, msg) => console.error(`[inference] ${msg ?? ""}`, obj),
};
