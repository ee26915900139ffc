import { createLogger, silentLogger } from "@noosphere/node-kit";
import type { Logger } from "@noosphere/node-kit";

/** Silent unless NOOS_TEST_LOG is set (e.g. NOOS_TEST_LOG=debug) to watch a test's validator. */
export function testLogger(name = "validator"): Logger {
  const level = process.env.NOOS_TEST_LOG;
  return level ? createLogger(name, { level }) : silentLogger();
}
